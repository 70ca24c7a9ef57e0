/**
 * The file service: upload, download (with ranges), list and delete of files encrypted under envelope
 * encryption, over three seams: {@link dev.envelope.core.KeyService} (root keys), {@link BlobStore}
 * (ciphertext) and {@link MetadataStore} (one row per file, holding the wrapped data key), plus
 * {@link TokenStore} for the bearer tokens that say who may do what. {@link FileService} is the one class the
 * HTTP API, the CLI and embedding applications call; they hold no logic of their own.
 *
 * <p>The embedded implementations of the stores (a directory and a SQLite file) live in
 * {@code dev.envelope.service.local}, in the module {@code envelope-embedded}, so that a user of this module on
 * S3 and PostgreSQL does not carry the SQLite driver.
 */
package dev.envelope.service;
