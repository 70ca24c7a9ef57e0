/**
 * Envelope's core: the envelope cipher ({@link dev.envelope.core.EnvelopeCipher}), the self-contained file
 * format ({@link dev.envelope.core.Envelope}, {@link dev.envelope.core.FileHeader}), and the
 * {@link dev.envelope.core.KeyService} seam with its values ({@link dev.envelope.core.DataKey},
 * {@link dev.envelope.core.WrappedKey}, {@link dev.envelope.core.EncryptionContext}).
 *
 * <p>Start with {@link dev.envelope.core.Envelope} to encrypt files and streams, or
 * {@link dev.envelope.core.EnvelopeCipher} when the wrapped key is stored elsewhere. Byte layouts are
 * specified in {@code docs/FORMAT.md}.
 */
package dev.envelope.core;
