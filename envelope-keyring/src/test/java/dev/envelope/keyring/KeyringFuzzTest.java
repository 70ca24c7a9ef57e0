package dev.envelope.keyring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.Envelope;
import dev.envelope.core.InvalidCiphertextException;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.WrappedKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.DateTimeException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzz tests of what the local keyring reads (docs/FUZZING.md): the keyring file, the JSON sealed inside it, the
 * wrapped keys it unwraps, and whole Envelope files decrypted under it. They run on a copy of the known-answer
 * keyring ({@code testdata/kat/v1}, whose master key is published), so the committed inputs can hold real
 * wrapped keys and files of it.
 */
class KeyringFuzzTest {
  private static final Path KAT = Path.of("..", "testdata", "kat", "v1");
  private static final Set<ErrorCode> UNWRAP_REFUSALS =
      Set.of(ErrorCode.INVALID_WRAPPED_KEY, ErrorCode.KEY_NOT_FOUND, ErrorCode.KEY_DISABLED);

  @TempDir
  static Path dir;
  private static MasterKey master;
  private static ManagedKeyService keyring;
  private static String katKey;
  private static String disabledKey;
  private static KeyringFile file;

  @BeforeAll
  static void openTheKnownAnswerKeyring() throws Exception {
    master = MasterKey.fromBase64(Files.readString(KAT.resolve("master.key")), "testdata");
    Path home = Files.createDirectory(dir.resolve("kat"));
    Files.copy(KAT.resolve("keyring").resolve(KeyringFile.FILE_NAME), home.resolve(KeyringFile.FILE_NAME));
    keyring = LocalKeyring.open(home, master);
    katKey = keyring.describeKey("kat").id();
    disabledKey = keyring.describeKey("kat-disabled").id();
    file = new KeyringFile(home, master);
  }

  /**
   * A keyring file of these bytes, as {@link KeyringFile#read} unseals it ({@link KeyringFile#unseal}), under the
   * known-answer master key. Documented refusal: {@link EnvelopeException} with
   * {@link ErrorCode#KEYRING_UNAVAILABLE}.
   */
  @FuzzTest
  void keyringFile(byte[] input) {
    try {
      file.unseal(input);
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    }
  }

  /**
   * The JSON document inside the keyring file: {@link KeyringState#fromJson}, then the same bytes sealed by the master
   * key through {@link KeyringFile#unseal}. Documented refusal: from {@code KeyringState.fromJson}, an {@link IOException}
   * (Jackson's, or a missing or inconsistent field) or the {@link DateTimeException},
   * {@link IllegalArgumentException} or {@link IllegalStateException} of the JDK parsers and records it reads
   * through; from {@code KeyringFile}, {@link ErrorCode#KEYRING_UNAVAILABLE}, exactly when the JSON is refused.
   * A document that reads writes back to one that reads as the same keys and material.
   */
  @FuzzTest
  void keyringContent(byte[] input) throws Exception {
    KeyringState state;
    try {
      state = KeyringState.fromJson(input);
    } catch (IOException | DateTimeException | IllegalArgumentException | IllegalStateException e) {
      state = null;
    }
    try {
      KeyringState unsealed = file.unseal(seal(input));
      assertTrue(state != null, "the keyring file took content that KeyringState.fromJson refuses");
      assertSame(state, unsealed);
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
      assertTrue(state == null, "the keyring file refused content that KeyringState.fromJson reads: " + e.getMessage());
    }
    if (state != null) {
      assertSame(state, KeyringState.fromJson(state.toJson()));
    }
  }

  /**
   * A wrapped key the keyring unwraps ({@link dev.envelope.core.internal.WrapFormat} layout): the first byte picks the root key version it
   * claims (0: {@code kat} v1, 1: {@code kat} v2, 2: the disabled {@code kat-disabled} v1, 3: {@code kat} v3,
   * which does not exist), the rest is the ciphertext, unwrapped under the context {@code {purpose=kat}}.
   * Documented refusal: {@link EnvelopeException} with {@link ErrorCode#INVALID_WRAPPED_KEY},
   * {@link ErrorCode#KEY_NOT_FOUND} or {@link ErrorCode#KEY_DISABLED}.
   */
  @FuzzTest
  void wrappedKey(byte[] input) {
    if (input.length < 2 || input.length - 1 > WrappedKey.MAX_CIPHERTEXT_BYTES) {
      return; // WrappedKey.of refuses these before any key service sees them
    }
    int choice = input[0] & 3;
    String keyId = choice == 2 ? disabledKey : katKey;
    int version = choice == 2 ? 1 : choice == 3 ? 3 : choice + 1;
    WrappedKey wrapped = WrappedKey.of(keyId, version, Arrays.copyOfRange(input, 1, input.length));
    try {
      Arrays.fill(keyring.decryptBytes(wrapped, EncryptionContext.of("purpose", "kat")), (byte) 0);
    } catch (EnvelopeException e) {
      assertTrue(UNWRAP_REFUSALS.contains(e.code()), e.code().id());
    }
  }

  /**
   * A whole Envelope file decrypted under the keyring ({@link Envelope#decrypt}, accepting the file's own
   * context). Documented refusal: {@link EnvelopeException} with {@link ErrorCode#UNSUPPORTED_FORMAT},
   * {@link ErrorCode#INVALID_CIPHERTEXT} or an unwrap refusal as above; {@link InvalidCiphertextException} from
   * the stream.
   */
  @FuzzTest
  void envelopeFile(byte[] input) throws IOException {
    try {
      Envelope.create(keyring).decrypt(new ByteArrayInputStream(input), OutputStream.nullOutputStream(), null);
    } catch (EnvelopeException e) {
      assertTrue(UNWRAP_REFUSALS.contains(e.code()) || e.code() == ErrorCode.UNSUPPORTED_FORMAT
          || e.code() == ErrorCode.INVALID_CIPHERTEXT, e.code().id());
    } catch (InvalidCiphertextException e) {
      // the stream's refusal
    }
  }

  /** {@code json} sealed as KeyringFile seals it, with a fixed nonce (the test needs no fresh one). */
  private static byte[] seal(byte[] json) throws GeneralSecurityException {
    byte[] prefix = ByteBuffer.allocate(13).put(new byte[] {(byte) 0x89, 'E', 'N', 'K', 1})
        .put(HexFormat.of().parseHex(master.id())).array();
    byte[] nonce = new byte[12];
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, master.secretKey(), new GCMParameterSpec(128, nonce));
    gcm.updateAAD(prefix);
    byte[] sealed = gcm.doFinal(json);
    return ByteBuffer.allocate(prefix.length + nonce.length + sealed.length).put(prefix).put(nonce).put(sealed)
        .array();
  }

  private static void assertSame(KeyringState expected, KeyringState actual) {
    assertEquals(expected.keys(), actual.keys());
    assertEquals(expected.material().keySet(), actual.material().keySet());
    for (Map.Entry<String, byte[]> e : expected.material().entrySet()) {
      assertArrayEquals(e.getValue(), actual.material().get(e.getKey()), e.getKey());
    }
  }
}
