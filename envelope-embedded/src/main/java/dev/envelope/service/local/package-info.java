/**
 * The embedded stores, which need no server and no cloud account: {@link
 * dev.envelope.service.local.DirectoryBlobStore} (ciphertext in a directory), {@link
 * dev.envelope.service.local.SqliteMetadataStore} (file rows and tokens in one SQLite file), and {@link
 * dev.envelope.service.local.LocalStores}, which opens both under {@code $ENVELOPE_HOME}.
 */
package dev.envelope.service.local;
