/**
 * The HTTP API (v1) of Envelope: a thin Javalin adapter over {@link dev.envelope.service.FileService} and
 * {@link dev.envelope.service.AccessTokens}. It parses requests, authenticates bearer tokens, calls the
 * service, and maps results and {@link dev.envelope.api.ErrorCode}s to HTTP; it holds no logic of its own.
 * {@link dev.envelope.server.EnvelopeServer} assembles it; {@link dev.envelope.server.ServerSettings} reads
 * its settings. The API is documented in {@code openapi.json} (served at {@code /v1/openapi.json}). The web page
 * at {@code /} is three static files beside {@link dev.envelope.server.WebPage}, which only calls the API.
 */
package dev.envelope.server;
