package dev.envelope.core;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Envelope encryption of whole files and streams, in the self-contained Envelope file format: a
 * {@link FileHeader} (which key service and root key wrapped the data key, the wrapped key itself, the
 * encryption context) followed by the {@link EnvelopeCipher} stream. A library user needs only this class, a
 * {@link KeyService} and a context:
 *
 * <pre>{@code
 * Envelope envelope = Envelope.create(keyService);
 * EncryptionContext context = EncryptionContext.of("purpose", "backup");
 * envelope.encryptFile(Path.of("db.dump"), Path.of("db.dump.env"), "backups", context);
 * envelope.decryptFile(Path.of("db.dump.env"), Path.of("db.dump"), context);
 * }</pre>
 *
 * <h2>Security guarantees</h2>
 * Every encryption uses a fresh data key from the key service, which is zeroed as soon as the cipher stream
 * holds it. Decryption checks an expected context (when given) against the header before unwrapping the key,
 * so a file meant for something else is refused before any plaintext exists; after that, the wrapped key and
 * every segment authenticate under the context. The file methods write through {@link AtomicFile}: a failed
 * encryption or decryption leaves no output file, and a decrypted file appears only once its last segment
 * authenticated.
 *
 * <h2>Restrictions</h2>
 * The stream methods can only promise authenticity once the stream has been read to its end without an
 * exception; see {@link EnvelopeCipher}. Instances are immutable and thread-safe.
 */
public final class Envelope {
  private static final int BUFFER_SIZE = 64 * 1024;

  private final KeyService keys;
  private final EnvelopeCipher cipher;

  private Envelope(KeyService keys, EnvelopeCipher cipher) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.cipher = cipher;
  }

  /** An Envelope over {@code keys} that writes with the default segment size. */
  public static Envelope create(KeyService keys) {
    return new Envelope(keys, EnvelopeCipher.create());
  }

  /** The same Envelope writing segments of another size (files of any valid size are always readable). */
  public Envelope withSegmentSize(int segmentSize) {
    return new Envelope(keys, EnvelopeCipher.withSegmentSize(segmentSize));
  }

  /**
   * Writes the header to {@code out} and returns a stream that encrypts into it. Closing the returned stream
   * finishes the ciphertext and closes {@code out}; when the plaintext's source fails, call
   * {@link EncryptingStream#abort()} instead (see there).
   *
   * @param rootKey the id or alias of the root key to wrap the new data key under
   */
  public EncryptingStream newEncryptingStream(OutputStream out, String rootKey, EncryptionContext context)
      throws IOException, EnvelopeException {
    return start(out, rootKey, context).stream;
  }

  /**
   * Encrypts all of {@code plaintext} into {@code out}. Neither stream is closed; {@code out} is flushed. If
   * reading {@code plaintext} fails, the ciphertext written so far is left unfinished: it will never decrypt
   * as a complete (truncated) file.
   *
   * @param rootKey the id or alias of the root key to wrap the new data key under
   * @return the header that was written
   */
  public FileHeader encrypt(InputStream plaintext, OutputStream out, String rootKey, EncryptionContext context)
      throws IOException, EnvelopeException {
    Started started = start(new KeepOpen(out), rootKey, context);
    try {
      copy(plaintext, started.stream);
    } catch (IOException | RuntimeException e) {
      try {
        started.stream.abort();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    started.stream.close();
    out.flush();
    return started.header;
  }

  /**
   * Encrypts the file {@code in} into {@code out} (which may be the same path), atomically: on failure no
   * output file exists and a previous file of that name is untouched.
   */
  public FileHeader encryptFile(Path in, Path out, String rootKey, EncryptionContext context)
      throws IOException, EnvelopeException {
    try (InputStream plaintext = Files.newInputStream(in);
         AtomicFile file = AtomicFile.create(out, AtomicFile.privateFile())) {
      FileHeader header = encrypt(plaintext, file.stream(), rootKey, context);
      file.commit();
      return header;
    }
  }

  /**
   * Reads the header of {@code in}, checks it against {@code expected} (unless null), unwraps the data key and
   * returns a stream of the authenticated plaintext; see {@link EnvelopeCipher#newDecryptingStream}.
   *
   * @param expected the context the caller expects the file to have, or null to accept the file's own
   * @throws EnvelopeException {@link ErrorCode#CONTEXT_MISMATCH} if the file's context is not
   *     {@code expected}, before anything is decrypted; the key service's errors; header errors as in
   *     {@link FileHeader#read}
   */
  public InputStream newDecryptingStream(InputStream in, EncryptionContext expected)
      throws IOException, EnvelopeException {
    return open(in, expected).stream;
  }

  private Opened open(InputStream in, EncryptionContext expected) throws IOException, EnvelopeException {
    FileHeader header = FileHeader.read(in);
    if (expected != null && !expected.equals(header.context())) {
      throw new EnvelopeException(ErrorCode.CONTEXT_MISMATCH, "the file's encryption context "
          + header.context() + " is not the expected " + expected);
    }
    if (!header.keyService().equals(keys.name())) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, "the file's data key was wrapped by a '"
          + header.keyService() + "' key service, but this one is '" + keys.name() + "'");
    }
    try (DataKey key = keys.decrypt(header.wrappedKey(), header.context())) {
      EnvelopeCipher reader = EnvelopeCipher.withSegmentSize(header.segmentSize());
      return new Opened(header, reader.newDecryptingStream(key, header.context(), in));
    }
  }

  /**
   * Decrypts all of {@code in} into {@code out}, flushing but closing neither. When this throws, {@code out}
   * may have received the authentic segments before the failure: write to a temporary place and keep it
   * only if this returns, as {@link #decryptFile} does.
   *
   * @param expected the context the caller expects, or null to accept the file's own
   * @return the file's header
   */
  public FileHeader decrypt(InputStream in, OutputStream out, EncryptionContext expected)
      throws IOException, EnvelopeException {
    Opened opened = open(in, expected);
    copy(opened.stream, out);
    out.flush();
    return opened.header;
  }

  /**
   * Decrypts the file {@code in} into {@code out} atomically: the output file appears, with owner-only
   * permissions, only after the last segment authenticated; on any failure it does not exist and a previous
   * file of that name is untouched.
   */
  public FileHeader decryptFile(Path in, Path out, EncryptionContext expected)
      throws IOException, EnvelopeException {
    try (InputStream ciphertext = Files.newInputStream(in);
         AtomicFile file = AtomicFile.create(out, AtomicFile.privateFile())) {
      FileHeader header = decrypt(ciphertext, file.stream(), expected);
      file.commit();
      return header;
    }
  }

  private Started start(OutputStream out, String rootKey, EncryptionContext context)
      throws IOException, EnvelopeException {
    Objects.requireNonNull(context, "context");
    try (DataKey key = keys.generateDataKey(rootKey, context)) {
      FileHeader header = new FileHeader(keys.name(), key.wrapped(), cipher.segmentSize(), context);
      out.write(header.toBytes());
      return new Started(header, cipher.newEncryptingStream(key, context, out));
    }
  }

  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[BUFFER_SIZE];
    for (int n; (n = in.read(buffer)) != -1; ) {
      out.write(buffer, 0, n);
    }
  }

  private static final class Started {
    final FileHeader header;
    final EncryptingStream stream;

    Started(FileHeader header, EncryptingStream stream) {
      this.header = header;
      this.stream = stream;
    }
  }

  private static final class Opened {
    final FileHeader header;
    final InputStream stream;

    Opened(FileHeader header, InputStream stream) {
      this.header = header;
      this.stream = stream;
    }
  }

  /** Lets the cipher stream close without closing the caller's stream. */
  private static final class KeepOpen extends FilterOutputStream {
    KeepOpen(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
