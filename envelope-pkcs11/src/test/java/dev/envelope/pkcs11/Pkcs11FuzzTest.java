package dev.envelope.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.internal.KeyRecord;
import dev.envelope.core.internal.KeyRecordJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzz tests of what the PKCS#11 key service reads (docs/FUZZING.md): its metadata file, the JSON inside it, and
 * the wrapped keys it unwraps, on the SoftHSM2 test token. A wrapped key made by the token differs every run, so
 * the committed wrapped-key inputs are shapes, not keys that unwrap.
 */
class Pkcs11FuzzTest {
  private static final byte[] MAGIC = {(byte) 0x89, 'E', 'N', 'P', 1};

  @TempDir
  static Path dir;
  private static ManagedKeyService service;
  private static String keyId;
  private static MetadataFile file;

  @BeforeAll
  static void openTheTestToken() throws Exception {
    Path home = Files.createDirectory(dir.resolve("home"));
    service = Pkcs11KeyService.open(SoftHsmToken.config(SoftHsmToken.MAIN, home));
    keyId = service.createKey("fuzzed wrapped keys").id(); // also makes the token's metadata HMAC key
    file = new MetadataFile(home, Pkcs11KeyService.token(service));
  }

  /**
   * A metadata file of these bytes, as {@link MetadataFile#read} reads it ({@link MetadataFile#parse}).
   * Documented refusal: {@link EnvelopeException} with {@link ErrorCode#KEYRING_UNAVAILABLE}.
   */
  @FuzzTest
  void metadataFile(byte[] input) {
    try {
      file.parse(input);
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    }
  }

  /**
   * The JSON document inside the metadata file: {@link MetadataFile#parseJson}, then the same bytes authenticated by
   * the token through {@link MetadataFile#parse}. Documented refusal: from {@code MetadataFile.parseJson}, an
   * {@link IOException} (Jackson's, or a missing or inconsistent field) or the {@link DateTimeException} or
   * {@link IllegalArgumentException} of the JDK parsers it reads through; from {@code MetadataFile},
   * {@link ErrorCode#KEYRING_UNAVAILABLE}, exactly when the JSON is refused. A document that reads writes back to
   * one that reads as the same keys.
   */
  @FuzzTest
  void metadataContent(byte[] input) throws Exception {
    List<KeyRecord> keys;
    try {
      keys = MetadataFile.parseJson(input);
    } catch (IOException | DateTimeException | IllegalArgumentException e) {
      keys = null;
    }
    Token token = Pkcs11KeyService.token(service);
    byte[] body = ByteBuffer.allocate(MAGIC.length + 4 + input.length).put(MAGIC).putInt(input.length).put(input)
        .array();
    byte[] mac = token.hmac(token.key(MetadataFile.HMAC_LABEL), body);
    try {
      List<KeyRecord> read = file.parse(ByteBuffer.allocate(body.length + mac.length).put(body).put(mac).array());
      assertTrue(keys != null, "the metadata file took content that MetadataFile.parseJson refuses");
      assertEquals(keys, read);
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
      assertTrue(keys == null, "the metadata file refused content that MetadataFile.parseJson reads: " + e.getMessage());
    }
    if (keys != null) {
      assertEquals(keys, MetadataFile.parseJson(KeyRecordJson.write(MetadataFile.SCHEMA, keys, java.util.Map.of())));
    }
  }

  /**
   * A wrapped key the token unwraps ({@link dev.envelope.core.internal.WrapFormat} layout): the first byte's low bit picks the version it
   * claims (1, or 2, which does not exist) of a key made for this run, the rest is the ciphertext. Documented
   * refusal: {@link EnvelopeException} with {@link ErrorCode#INVALID_WRAPPED_KEY} or
   * {@link ErrorCode#KEY_NOT_FOUND}; never {@link ErrorCode#KEYRING_UNAVAILABLE}, which would blame the token
   * for a bad ciphertext.
   */
  @FuzzTest
  void wrappedKey(byte[] input) {
    if (input.length < 2 || input.length - 1 > WrappedKey.MAX_CIPHERTEXT_BYTES) {
      return; // WrappedKey.of refuses these before any key service sees them
    }
    WrappedKey wrapped = WrappedKey.of(keyId, 1 + (input[0] & 1), Arrays.copyOfRange(input, 1, input.length));
    try {
      Arrays.fill(service.decryptBytes(wrapped, EncryptionContext.of("purpose", "fuzz")), (byte) 0);
    } catch (EnvelopeException e) {
      assertTrue(Set.of(ErrorCode.INVALID_WRAPPED_KEY, ErrorCode.KEY_NOT_FOUND).contains(e.code()),
          e.code().id() + ": " + e.getMessage());
    }
  }
}
