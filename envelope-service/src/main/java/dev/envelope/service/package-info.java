/**
 * The file service: upload, download (with ranges), list and delete of files encrypted under envelope
 * encryption, over three seams: {@link dev.envelope.core.KeyService} (root keys), {@link BlobStore}
 * (ciphertext) and {@link MetadataStore} (one row per file, holding the wrapped data key), plus
 * {@link TokenStore} for the bearer tokens that say who may do what. {@link FileService} is the one class the
 * HTTP API, the CLI and embedding applications call; they hold no logic of their own.
 *
 * <p>The embedded implementations of the stores (a directory and a SQLite file) live in
 * {@code dev.envelope.service.local}.
 */
package dev.envelope.service;
