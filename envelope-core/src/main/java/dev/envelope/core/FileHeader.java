package dev.envelope.core;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The header of an Envelope file (format version 1): what a reader needs, besides the key service, to
 * decrypt the stream that follows. The byte layout is specified in {@code docs/FORMAT.md}; in short:
 *
 * <pre>
 * magic 89 45 4E 56 | version u8 = 1 | body length u32 | body:
 *   key service (u8 length + ASCII) | root key id (u16 length + UTF-8) | root key version u32
 *   | segment size u32 | wrapped key (u16 length + bytes) | encryption context (canonical encoding)
 * </pre>
 *
 * Every field is checked when read, and the body must be consumed exactly. The header is not itself
 * encrypted; it is protected by what it feeds: the wrapped key binds its root key and the context, and the
 * stream authenticates under the context, so a changed field makes decryption fail.
 */
public final class FileHeader {
  static final byte[] MAGIC = {(byte) 0x89, 'E', 'N', 'V'};
  /** The format version this class writes and reads. */
  public static final int FORMAT_VERSION = 1;
  static final int MAX_BODY_BYTES = 64 * 1024;
  private static final Pattern KEY_SERVICE_NAME = Pattern.compile("[a-z0-9-]{1,32}");

  private final String keyService;
  private final WrappedKey wrappedKey;
  private final int segmentSize;
  private final EncryptionContext context;

  FileHeader(String keyService, WrappedKey wrappedKey, int segmentSize, EncryptionContext context) {
    if (!KEY_SERVICE_NAME.matcher(keyService).matches()) {
      throw new IllegalArgumentException("key service name must match " + KEY_SERVICE_NAME);
    }
    EnvelopeCipher.withSegmentSize(segmentSize); // validates
    this.keyService = keyService;
    this.wrappedKey = Objects.requireNonNull(wrappedKey);
    this.segmentSize = segmentSize;
    this.context = Objects.requireNonNull(context);
  }

  /** The {@linkplain KeyService#name() name} of the kind of key service that wrapped the data key. */
  public String keyService() {
    return keyService;
  }

  public WrappedKey wrappedKey() {
    return wrappedKey;
  }

  /** The ciphertext segment size of the stream that follows the header. */
  public int segmentSize() {
    return segmentSize;
  }

  public EncryptionContext context() {
    return context;
  }

  byte[] toBytes() {
    byte[] service = keyService.getBytes(StandardCharsets.US_ASCII);
    byte[] keyId = wrappedKey.rootKeyId().getBytes(StandardCharsets.UTF_8);
    byte[] wrapped = wrappedKey.ciphertext();
    byte[] ctx = context.canonicalBytes();
    int bodyLength = 1 + service.length + 2 + keyId.length + 4 + 4 + 2 + wrapped.length + ctx.length;
    if (bodyLength > MAX_BODY_BYTES) {
      throw new IllegalArgumentException("file header would exceed " + MAX_BODY_BYTES + " bytes");
    }
    return ByteBuffer.allocate(MAGIC.length + 1 + 4 + bodyLength)
        .put(MAGIC).put((byte) FORMAT_VERSION).putInt(bodyLength)
        .put((byte) service.length).put(service)
        .putShort((short) keyId.length).put(keyId)
        .putInt(wrappedKey.rootKeyVersion())
        .putInt(segmentSize)
        .putShort((short) wrapped.length).put(wrapped)
        .put(ctx)
        .array();
  }

  /**
   * Reads a header from the start of {@code in}, leaving {@code in} at the first byte of the stream.
   *
   * @throws EnvelopeException {@link ErrorCode#UNSUPPORTED_FORMAT} if {@code in} does not start like an
   *     Envelope file or has a newer format version; {@link ErrorCode#INVALID_CIPHERTEXT} if the header is
   *     damaged or cut short
   */
  public static FileHeader read(InputStream in) throws IOException, EnvelopeException {
    byte[] magic = in.readNBytes(MAGIC.length);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, "not an Envelope file (it does not start"
          + " with the Envelope magic bytes)");
    }
    int version = in.read();
    if (version != FORMAT_VERSION) {
      throw new EnvelopeException(ErrorCode.UNSUPPORTED_FORMAT, version == -1
          ? "not an Envelope file (it ends after the magic bytes)"
          : "Envelope file format version " + version + " is not supported by this build (it reads version "
              + FORMAT_VERSION + ")");
    }
    byte[] lengthBytes = in.readNBytes(4);
    if (lengthBytes.length < 4) {
      throw damaged("it is cut short");
    }
    int bodyLength = ByteBuffer.wrap(lengthBytes).getInt();
    if (bodyLength < 0 || bodyLength > MAX_BODY_BYTES) {
      throw damaged("its declared length is impossible");
    }
    byte[] body = in.readNBytes(bodyLength);
    if (body.length < bodyLength) {
      throw damaged("it is cut short");
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(body);
      String service = new String(bytes(b, Byte.toUnsignedInt(b.get())), StandardCharsets.US_ASCII);
      byte[] keyIdBytes = bytes(b, Short.toUnsignedInt(b.getShort()));
      String keyId = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(keyIdBytes)).toString();
      int keyVersion = b.getInt();
      int segmentSize = b.getInt();
      byte[] wrapped = bytes(b, Short.toUnsignedInt(b.getShort()));
      EncryptionContext context = EncryptionContext.read(b);
      if (b.hasRemaining()) {
        throw damaged("it has unexpected trailing bytes");
      }
      return new FileHeader(service, WrappedKey.of(keyId, keyVersion, wrapped), segmentSize, context);
    } catch (BufferUnderflowException | IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
      throw damaged("a field is malformed");
    }
  }

  private static byte[] bytes(ByteBuffer b, int length) {
    byte[] out = new byte[length];
    b.get(out);
    return out;
  }

  private static EnvelopeException damaged(String why) {
    return new EnvelopeException(ErrorCode.INVALID_CIPHERTEXT, "the Envelope file header is damaged: " + why);
  }

  @Override
  public String toString() {
    return "FileHeader[version=" + FORMAT_VERSION + ", keyService=" + keyService + ", " + wrappedKey
        + ", segmentSize=" + segmentSize + ", context=" + context + "]";
  }
}
