/**
 * A Java client of Envelope's HTTP API: {@link dev.envelope.client.EnvelopeClient}. It depends on the JDK's
 * {@code java.net.http} and Jackson only (and on {@code envelope-core} for the shared
 * {@link dev.envelope.api.ErrorCode}s, without its crypto library): the client encrypts nothing, the server
 * does.
 */
package dev.envelope.client;
