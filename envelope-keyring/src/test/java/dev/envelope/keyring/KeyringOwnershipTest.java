package dev.envelope.keyring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.testing.FileModes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** A keyring someone else could change is never used: not at open, not when it changes under a running service. */
class KeyringOwnershipTest {
  @TempDir
  Path home;

  private final String master = Keyrings.newMasterKeyBase64();
  private final EncryptionContext context = EncryptionContext.of(Map.of("tenant", "t"));

  private Path keyring() throws Exception {
    Keyrings.createKey(Keyrings.open(home, master), "k");
    return home.resolve(KeyringFile.FILE_NAME);
  }

  @Test
  void aGroupWritableKeyring_isRefused() throws Exception {
    Path file = FileModes.set(keyring(), "rw-rw----");
    String message = refused(() -> Keyrings.open(home, master));
    assertTrue(message.startsWith("refusing to use the keyring " + file + ": group or others may write it"
        + " (mode 0660)"), message);
  }

  @Test
  void anOtherWritableKeyring_isRefused() throws Exception {
    FileModes.set(keyring(), "rw-r--rw-");
    refused(() -> Keyrings.open(home, master));
  }

  @Test
  void aKeyringOthersMayRead_isStillUsed_itIsSealed() throws Exception {
    FileModes.set(keyring(), "rw-r--r--");
    assertEquals(1, Keyrings.open(home, master).listKeys().size());
  }

  @Test
  void aKeyringOfAnotherUser_isRefused() throws Exception {
    FileModes.giveToNobody(keyring());
    String message = refused(() -> Keyrings.open(home, master));
    assertTrue(message.contains("belongs to uid 65534"), message);
  }

  @Test
  void aKeyringInAHomeOthersMayWrite_isRefused() throws Exception {
    keyring();
    FileModes.set(home, "rwxrwxrwx");
    String message = refused(() -> Keyrings.open(home, master));
    assertTrue(message.contains("its directory " + home.toRealPath() + " (mode 0777)"), message);
  }

  @Test
  void aKeyringReplacedByAnotherUsersFile_isRefusedByTheRunningService() throws Exception {
    Path file = keyring();
    ManagedKeyService running = Keyrings.open(home, master);
    running.generateDataKey("k", context).close();
    Path forged = Files.copy(file, home.resolve("forged"));
    FileModes.giveToNobody(forged);
    Files.move(forged, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    refused(() -> running.generateDataKey("k", context));
  }

  private static String refused(Executable action) {
    EnvelopeException e = assertThrows(EnvelopeException.class, action);
    assertEquals(ErrorCode.INSECURE_FILE, e.code(), e.getMessage());
    return e.getMessage();
  }
}
