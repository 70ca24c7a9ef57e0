package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.MutableClock;
import dev.envelope.core.WrappedKey;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.keyring.MasterKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz tests of the KMS API's request bodies (docs/FUZZING.md): {@link CiphertextBlob}s, and whole requests run
 * through every operation over the known-answer keyring ({@code testdata/kat/v1}, master key published), each on
 * a fresh copy of it, at a fixed time, by a caller allowed everything. The committed inputs can therefore name
 * its keys ({@code alias/kat}, {@code alias/kat-disabled}) and hold blobs of its wrapped keys.
 */
class KmsRequestFuzzTest {
  private static final Path KAT = Path.of("..", "testdata", "kat", "v1");
  private static final Instant NOW = Instant.parse("2026-11-28T00:00:00Z");
  private static final AccessKey CALLER = new AccessKey("ENVKFUZZFUZZFUZZFUZZ", "not used", "fuzz", NOW, Set.of(),
      Set.of());
  private static final KeyIds IDS = new KeyIds("us-east-1", "111122223333");
  private static MasterKey master;
  private static byte[] keyring;
  private static Path home;

  @BeforeAll
  static void readTheKnownAnswerKeyring() throws Exception {
    master = MasterKey.fromBase64(Files.readString(KAT.resolve("master.key")), "testdata");
    keyring = Files.readAllBytes(KAT.resolve("keyring").resolve("keyring"));
    // Operations that change keys write the keyring with fsync: on tmpfs where there is one, that costs nothing.
    Path shm = Path.of("/dev/shm");
    home = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "envelope-fuzz-")
        : Files.createTempDirectory("envelope-fuzz-");
  }

  @AfterAll
  static void removeTheKeyring() throws IOException {
    try (Stream<Path> files = Files.walk(home)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * {@link CiphertextBlob#decode}. Documented refusal: {@link KmsException} {@code InvalidCiphertextException}.
   * A blob that decodes encodes back to the same bytes.
   */
  @FuzzTest
  void ciphertextBlob(byte[] input) {
    WrappedKey wrapped;
    try {
      wrapped = CiphertextBlob.decode(input);
    } catch (KmsException e) {
      assertEquals(KmsError.INVALID_CIPHERTEXT, e.error());
      return;
    }
    assertArrayEquals(input, CiphertextBlob.encode(wrapped));
  }

  /**
   * One KMS request: the first line names the operation ({@code Decrypt}), the rest is the JSON body, parsed by
   * {@link KmsRequest#parse} and run by the operation as {@code KeyServer} runs it, response serialised.
   * Documented refusal: a {@link KmsException}, or an {@link EnvelopeException} of the key service, whose KMS
   * error ({@link EnvelopeErrors#toKms}) is a client error (4xx): a request never makes the server fail.
   */
  @DictionaryEntries({"\"KeyId\":", "\"CiphertextBlob\":", "\"EncryptionContext\":", "\"Plaintext\":",
      "\"NumberOfBytes\":", "\"KeySpec\":", "\"AES_256\"", "\"AES_128\"", "\"Limit\":", "\"Marker\":",
      "\"AliasName\":", "\"TargetKeyId\":", "\"alias/kat\"", "\"alias/kat-disabled\"", "\"alias/aws/",
      "\"arn:aws:kms:us-east-1:111122223333:key/", "\"arn:aws:kms:us-east-1:111122223333:alias/",
      "\"01a82b29-0fc4-4369-a072-dd58e9809509\"", "\"PendingWindowInDays\":", "\"RotationPeriodInDays\":",
      "\"DestinationKeyId\":", "\"SourceEncryptionContext\":", "\"DestinationEncryptionContext\":",
      "\"SourceKeyId\":", "\"EncryptionAlgorithm\":", "\"SYMMETRIC_DEFAULT\"", "\"Description\":",
      "\"KeyUsage\":", "\"ENCRYPT_DECRYPT\"", "\"Origin\":", "\"MultiRegion\":", "\"CustomKeyStoreId\":"})
  @FuzzTest
  void request(byte[] input) throws Exception {
    int newline = indexOf(input, (byte) '\n');
    String name = new String(input, 0, newline < 0 ? input.length : newline, StandardCharsets.UTF_8);
    byte[] body = newline < 0 ? new byte[0] : Arrays.copyOfRange(input, newline + 1, input.length);
    Path file = home.resolve("keyring");
    Path fresh = home.resolve("keyring.fresh");
    Files.write(fresh, keyring);
    Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    ManagedKeyService keys = LocalKeyring.open(home, master, new MutableClock(NOW));
    Map<String, Operation> operations = new HashMap<>();
    new KeyOperations(keys, IDS).registerInto(operations);
    new CryptoOperations(keys, IDS).registerInto(operations);
    Operation operation = operations.get(name);
    if (operation == null) {
      return; // KeyServer answers UnknownOperationException before it reads the body
    }
    Call call = null;
    try {
      call = new Call(name, KmsRequest.parse(body), CALLER, new AuditRecord(NOW, "fuzz", "127.0.0.1"), IDS);
      ObjectNode response = operation.apply(call);
      KmsRequest.JSON.writeValueAsBytes(response);
    } catch (KmsException e) {
      assertTrue(e.error().status() < 500, e.error().type() + ": " + e.getMessage());
    } catch (EnvelopeException e) {
      KmsException kms = EnvelopeErrors.toKms(e);
      assertTrue(kms.error().status() < 500, e.code().id() + ": " + e.getMessage());
    } finally {
      if (call != null) {
        call.wipeSecrets();
      }
    }
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
