package dev.envelope.keyserver;

import dev.envelope.core.WrappedKey;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The {@code CiphertextBlob} of the KMS API: a {@link WrappedKey} with the id and version of its root key in
 * front, so that Decrypt needs no {@code KeyId} (as in AWS KMS for symmetric keys). Layout v1, documented in
 * {@code docs/FORMAT.md}: {@code u8 0x01 | u16 id length | id (UTF-8) | u32 version | wrapped key}.
 *
 * <p>Nothing here is authenticated on its own: the key service binds the id, version and context to the
 * wrapped key, so a changed byte makes Decrypt fail with {@code InvalidCiphertextException} or
 * {@code NotFoundException}, never with someone else's plaintext.
 */
final class CiphertextBlob {
  static final byte VERSION = 1;
  /** The KMS limit on a CiphertextBlob in a request. */
  static final int MAX_BYTES = 6144;

  private CiphertextBlob() {}

  static byte[] encode(WrappedKey wrapped) {
    byte[] id = wrapped.rootKeyId().getBytes(StandardCharsets.UTF_8);
    byte[] ciphertext = wrapped.ciphertext();
    ByteBuffer out = ByteBuffer.allocate(1 + 2 + id.length + 4 + ciphertext.length);
    out.put(VERSION).putShort((short) id.length).put(id).putInt(wrapped.rootKeyVersion()).put(ciphertext);
    return out.array();
  }

  /**
   * Parses a blob made by {@link #encode}.
   *
   * @throws KmsException {@code InvalidCiphertextException} for anything that is not exactly that layout
   */
  static WrappedKey decode(byte[] blob) {
    try {
      ByteBuffer in = ByteBuffer.wrap(blob);
      if (in.get() != VERSION) {
        throw invalid();
      }
      byte[] id = new byte[Short.toUnsignedInt(in.getShort())];
      in.get(id);
      int version = in.getInt();
      byte[] ciphertext = new byte[in.remaining()];
      in.get(ciphertext);
      String keyId = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(id)).toString();
      return WrappedKey.of(keyId, version, ciphertext);
    } catch (BufferUnderflowException | CharacterCodingException | IllegalArgumentException e) {
      throw invalid();
    }
  }

  private static KmsException invalid() {
    return KmsError.INVALID_CIPHERTEXT.exception("The ciphertext is not a valid ciphertext blob of this key"
        + " server");
  }
}
