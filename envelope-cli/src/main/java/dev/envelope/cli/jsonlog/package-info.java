/**
 * The log backend of {@code envelope serve --log-format json}: a small SLF4J 2 provider that writes one JSON object
 * per event on stderr, at the levels of the text backend's {@code simplelogger.properties}. The text format stays
 * slf4j-simple's; this provider is chosen by the {@code slf4j.provider} system property before the first logger.
 */
package dev.envelope.cli.jsonlog;
