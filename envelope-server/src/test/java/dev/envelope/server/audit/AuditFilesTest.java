package dev.envelope.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's files against someone who can put things in its directory: it never follows a link, never empties or
 * writes a file it did not make, and refuses a directory others may write. The tests run as root, so "someone
 * else" is played by handing files to {@code nobody}.
 */
class AuditFilesTest {
  private static final String NODE = "node-a";
  private static final String PRECIOUS = "the victim's content, without a line feed";

  @TempDir
  Path root;

  private Path dir() throws Exception {
    Path dir = root.resolve("audit");
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return dir;
  }

  private Path victim() throws Exception {
    Path victim = root.resolve("victim");
    Files.writeString(victim, PRECIOUS);
    return victim;
  }

  private static AuditEvent event() {
    return AuditEvent.of(AuditEvent.Type.FILE_LIST, AuditEvent.Outcome.OK).tenant("default").build();
  }

  /** Records until the log has to rotate (1 KiB files); what the first line that failed threw, or null. */
  private static EnvelopeException recordUntilItFails(ChainedAuditLog log) {
    for (int i = 0; i < 100; i++) {
      try {
        log.record(event());
      } catch (EnvelopeException e) {
        return e;
      }
    }
    return null;
  }

  private static UserPrincipal nobody(Path any) throws Exception {
    return any.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
  }

  @Test
  void aLinkPlantedAtTheNextGeneration_isNeitherFollowedNorEmptied_andTheLineFails() throws Exception {
    Path dir = dir();
    Path victim = victim();
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, NODE, 1024, Clock.systemUTC())) {
      Files.createSymbolicLink(dir.resolve(AuditLines.fileName(NODE, 2)), victim);
      EnvelopeException e = recordUntilItFails(log);

      assertTrue(e != null, "the log rotated into the link");
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains(AuditLines.fileName(NODE, 2)) && e.getMessage().contains("exists already"),
          e.getMessage());
    }
    assertEquals(PRECIOUS, Files.readString(victim));
    assertTrue(Files.isSymbolicLink(dir.resolve(AuditLines.fileName(NODE, 2))));
  }

  @Test
  void aLinkPlantedAsTheNewestGeneration_isRefusedAtStart_andTheFileItLeadsToIsUntouched() throws Exception {
    Path dir = dir();
    Path victim = victim();
    Files.createSymbolicLink(dir.resolve(AuditLines.fileName(NODE, 1)), victim);

    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> ChainedAuditLog.open(dir, NODE, 1 << 20, Clock.systemUTC()));

    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains(dir.resolve(AuditLines.fileName(NODE, 1)).toString())
        && e.getMessage().contains("symbolic link"), e.getMessage());
    assertEquals(PRECIOUS, Files.readString(victim));
  }

  @Test
  void aNewestGenerationSomeoneElseOwns_isRefusedAtStart_beforeAByteIsCut() throws Exception {
    Path dir = dir();
    Path planted = dir.resolve(AuditLines.fileName(NODE, 1));
    Files.writeString(planted, PRECIOUS);
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-------"));
    Files.setOwner(planted, nobody(planted));

    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> ChainedAuditLog.open(dir, NODE, 1 << 20, Clock.systemUTC()));

    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertEquals(PRECIOUS, Files.readString(planted));
  }

  @Test
  void aFileSomeoneMadeAtTheNextGeneration_isNeverWritten_andEveryLineFailsUntilItIsMovedAway() throws Exception {
    Path dir = dir();
    Path planted = dir.resolve(AuditLines.fileName(NODE, 2));
    try (ChainedAuditLog log = ChainedAuditLog.open(dir, NODE, 1024, Clock.systemUTC())) {
      Files.writeString(planted, PRECIOUS);
      Files.setOwner(planted, nobody(planted));
      EnvelopeException e = recordUntilItFails(log);
      assertTrue(e != null, "the log rotated into the planted file");
      assertEquals(ErrorCode.UNAVAILABLE, assertThrows(EnvelopeException.class, () -> log.record(event())).code());
      assertEquals(PRECIOUS, Files.readString(planted));

      Files.move(planted, root.resolve("evidence"));
      log.record(event());
    }
    assertTrue(AuditChainVerifier.verify(AuditChainVerifier.chains(dir).get(NODE)).ok());
  }

  @Test
  void aStickySharedDirectory_isRefused_namingIt() throws Exception {
    Path dir = dir();
    Files.setAttribute(dir, "unix:mode", 01777);

    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> ChainedAuditLog.open(dir, NODE, 1 << 20, Clock.systemUTC()));

    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    assertTrue(Files.notExists(dir.resolve(AuditLines.fileName(NODE, 1)), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void aDirectorySomeoneElseOwns_isRefused_namingIt() throws Exception {
    Path dir = dir();
    Files.setOwner(dir, nobody(dir));

    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> ChainedAuditLog.open(dir, NODE, 1 << 20, Clock.systemUTC()));

    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("nobody"), e.getMessage());
  }
}
