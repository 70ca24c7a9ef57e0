package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.testing.FileModes;
import dev.envelope.keyring.Keyrings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * The attack of issue 11: a local user replaced {@code credentials.json} and the running key server accepted
 * the forged access key. A running server refuses a credentials file someone else could change, request by
 * request, and says why in its log; a server does not start on such a file or audit log.
 */
class UnsafeFilesTest {
  @TempDir
  Path home;
  private KeyServerFixture fixture;

  @AfterEach
  void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aCredentialsFileMadeWritableByOthers_failsEveryRequest_untilItIsOwnerOnlyAgain() throws Exception {
    fixture = KeyServerFixture.start(home);
    fixture.kms.generateRandom(b -> b.numberOfBytes(8));
    Path file = fixture.credentials.file();
    FileModes.set(file, "rw-rw-rw-");

    String log = serverLogOf(() -> assertServerRefuses(fixture.kms));
    assertTrue(log.contains("refusing to use the key server credentials file " + file + ": group or others may"
        + " write it (mode 0666)"), log);
    assertFalse(log.contains("\tat "), "one line, no stack trace: " + log);
    assertEquals("KMSInternalException", lastAuditLine().get("errorType").asText());

    FileModes.set(file, "rw-------");
    fixture.kms.generateRandom(b -> b.numberOfBytes(8));
  }

  @Test
  void aCredentialsFileReplacedByAnotherUsersFile_letsNoKeyIn_notEvenTheForgedOne() throws Exception {
    fixture = KeyServerFixture.start(home);
    Path forgery = Files.createDirectories(home.resolve("attacker"));
    // The owner's keys stay in the forged file: only its owner tells it from the real one.
    CredentialStore forged = CredentialStore.at(Files.copy(fixture.credentials.file(),
        forgery.resolve("credentials.json")));
    AccessKey forgedKey = forged.create("forged", Set.of(), Set.of());
    FileModes.giveToNobody(forged.file());
    Files.move(forged.file(), fixture.credentials.file(), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);

    try (KmsClient attacker = fixture.client(forgedKey.id(), forgedKey.secret())) {
      String log = serverLogOf(() -> assertServerRefuses(attacker));
      assertTrue(log.contains("belongs to uid 65534"), log);
    }
    assertServerRefuses(fixture.kms);
  }

  @Test
  void aServerDoesNotStartOnACredentialsFileOthersMayRead() throws Exception {
    CredentialStore store = CredentialStore.at(settings().credentialsFile());
    store.create("a", Set.of(), Set.of());
    FileModes.set(store.file(), "rw-r--r--");
    assertEquals(ErrorCode.INSECURE_FILE, assertThrows(EnvelopeException.class, this::start).code());
  }

  @Test
  void aServerDoesNotStartOnAnAuditLogOthersMayWrite() throws Exception {
    Path log = Files.createFile(Files.createDirectories(home.resolve("keyserver")).resolve("audit.log"));
    FileModes.set(log, "rw-rw-rw-");
    EnvelopeException e = assertThrows(EnvelopeException.class, this::start);
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().startsWith("refusing to use the audit log " + log), e.getMessage());
  }

  @Test
  void aServerDoesNotStartOnAnAuditLogOfAnotherUser() throws Exception {
    Path log = Files.createFile(Files.createDirectories(home.resolve("keyserver")).resolve("audit.log"));
    FileModes.giveToNobody(log);
    assertEquals(ErrorCode.INSECURE_FILE, assertThrows(EnvelopeException.class, this::start).code());
  }

  @Test
  void aServerDoesNotFollowALinkPlantedAsItsAuditLogInADirectoryOthersMayWrite() throws Exception {
    Path dir = Files.createDirectories(home.resolve("keyserver"));
    Path elsewhere = home.resolve("elsewhere");
    Files.createSymbolicLink(dir.resolve("audit.log"), elsewhere);
    FileModes.set(dir, "rwxrwxrwx");
    assertThrows(java.io.IOException.class, this::start);
    assertFalse(Files.exists(elsewhere), "nothing was created where the link points");
  }

  @Test
  void theAuditLogAndTheDirectoriesItNeededAreCreatedOwnerOnly() throws Exception {
    start().close();
    assertEquals("rw-------", FileModes.of(home.resolve("keyserver/audit.log")));
    assertEquals("rwx------", FileModes.of(home.resolve("keyserver")));
  }

  private KeyServerSettings settings() {
    return KeyServerSettings.defaults(home.resolve("keyserver")).withAddress("127.0.0.1", 0);
  }

  private KeyServer start() throws Exception {
    return KeyServer.start(settings(), Keyrings.open(home.resolve("keys"), Keyrings.newMasterKeyBase64()));
  }

  private static void assertServerRefuses(KmsClient client) {
    KmsException e = assertThrows(KmsException.class, () -> client.generateRandom(b -> b.numberOfBytes(8)));
    assertEquals(500, e.statusCode());
    assertEquals("KMSInternalException", e.awsErrorDetails().errorCode());
    assertFalse(e.getMessage().contains("credentials.json"), "the client is not told the server's paths");
  }

  private JsonNode lastAuditLine() throws Exception {
    List<String> lines = fixture.auditLines();
    return KmsRequest.JSON.readTree(lines.get(lines.size() - 1));
  }

  /** What the server logs (SLF4J's simple logger writes to whatever {@code System.err} is) while running. */
  private static String serverLogOf(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    original.print(log);
    return log;
  }
}
