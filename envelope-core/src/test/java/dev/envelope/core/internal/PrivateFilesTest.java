package dev.envelope.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.testing.FileModes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Owner-only files: made so whatever the umask, and refused when anyone else could change them. */
class PrivateFilesTest {
  @TempDir
  Path dir;

  @Test
  void newDirectoriesAndTheirMissingParentsAreOwnerOnly() throws Exception {
    Path deep = dir.resolve("a/b/c");
    PrivateFiles.createDirectories(deep);
    for (Path p : new Path[] {dir.resolve("a"), dir.resolve("a/b"), deep}) {
      assertEquals("rwx------", FileModes.of(p), p.toString());
    }
  }

  @Test
  void anExistingDirectoryKeepsItsMode() throws Exception {
    Path shared = Files.createDirectory(dir.resolve("shared"));
    FileModes.set(shared, "rwxr-xr-x");
    PrivateFiles.createDirectories(shared.resolve("mine"));
    assertEquals("rwxr-xr-x", FileModes.of(shared));
    assertEquals("rwx------", FileModes.of(shared.resolve("mine")));
  }

  @Test
  void filesAreCreatedOwnerOnly_andAnExistingFileKeepsItsMode() throws Exception {
    Path lock = dir.resolve("x.lock");
    try (FileChannel c = PrivateFiles.openForWriting(lock, StandardOpenOption.APPEND)) {
      assertTrue(c.isOpen());
    }
    assertEquals("rw-------", FileModes.of(lock));
    Path empty = dir.resolve("empty");
    PrivateFiles.createFileIfMissing(empty);
    assertEquals("rw-------", FileModes.of(empty));
    FileModes.set(empty, "rw-r-----");
    PrivateFiles.createFileIfMissing(empty);
    assertEquals("rw-r-----", FileModes.of(empty));
  }

  @Test
  void anOwnerOnlyFileIsAccepted_andOthersMayReadOneThatHoldsNoSecret() throws Exception {
    Path file = file("rw-------");
    PrivateFiles.checkOwnerOnly(file, "keyring");
    PrivateFiles.checkSecret(file, "master key file");
    FileModes.set(file, "r--------");
    PrivateFiles.checkSecret(file, "master key file");
    FileModes.set(file, "rw-r--r--");
    PrivateFiles.checkOwnerOnly(file, "audit log");
  }

  @Test
  void aGroupWritableFile_isRefused() throws Exception {
    Path file = file("rw-rw----");
    String message = refused(() -> PrivateFiles.checkOwnerOnly(file, "keyring"));
    assertTrue(message.contains("the keyring " + file) && message.contains("mode 0660")
        && message.contains("chmod 600 " + file.toRealPath()), message);
  }

  @Test
  void anOtherWritableFile_isRefused() throws Exception {
    Path file = file("rw-r--rw-");
    String message = refused(() -> PrivateFiles.checkOwnerOnly(file, "audit log"));
    assertTrue(message.contains("mode 0646") && message.contains("group or others may write it"), message);
  }

  @Test
  void aSecretReadableByOthers_isRefused() throws Exception {
    for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw----r--", "rw------x"}) {
      Path file = file(mode);
      String message = refused(() -> PrivateFiles.checkSecret(file, "master key file"));
      assertTrue(message.contains("holds a secret") && message.contains("chmod 600"), mode + ": " + message);
    }
  }

  @Test
  void aFileOwnedByAnotherUser_isRefused() throws Exception {
    Path file = file("rw-------");
    FileModes.giveToNobody(file);
    String message = refused(() -> PrivateFiles.checkOwnerOnly(file, "keyring"));
    assertTrue(message.contains("belongs to uid 65534") && message.contains("chown"), message);
  }

  @Test
  void aFileInAWorldWritableDirectory_isRefused() throws Exception {
    Path file = file("rw-------");
    FileModes.set(dir, "rwxrwxrwx");
    String message = refused(() -> PrivateFiles.checkOwnerOnly(file, "keyring"));
    assertTrue(message.contains("its directory " + dir.toRealPath()) && message.contains("mode 0777")
        && message.contains("chmod go-w " + dir.toRealPath()), message);
  }

  @Test
  void aFileInAGroupWritableDirectory_isRefused() throws Exception {
    Path file = file("rw-------");
    FileModes.set(dir, "rwxrwx---");
    refused(() -> PrivateFiles.checkOwnerOnly(file, "keyring"));
  }

  @Test
  void aFileInAStickyDirectoryOfRootLikeTmp_isAccepted_butNotInAnotherUsersOne() throws Exception {
    Path sticky = Files.createDirectory(dir.resolve("sticky"));
    FileModes.giveToRoot(sticky);
    FileModes.setMode(sticky, 01777);
    Path file = Files.createFile(sticky.resolve("audit.log"));
    FileModes.set(file, "rw-------");
    PrivateFiles.checkOwnerOnly(file, "audit log");
    FileModes.giveToNobody(sticky);
    FileModes.setMode(sticky, 01777);
    refused(() -> PrivateFiles.checkOwnerOnly(file, "audit log"));
  }

  @Test
  void aFileInADirectoryOfAnotherUser_isRefused() throws Exception {
    Path theirs = Files.createDirectory(dir.resolve("theirs"));
    Path file = Files.createFile(theirs.resolve("keyring"));
    FileModes.set(file, "rw-------");
    FileModes.giveToNobody(theirs);
    String message = refused(() -> PrivateFiles.checkOwnerOnly(file, "keyring"));
    assertTrue(message.contains("its directory " + theirs.toRealPath() + " belongs to uid 65534"), message);
  }

  @Test
  void aLinkFromAWorldWritableDirectoryToASafeFile_isRefused() throws Exception {
    Path safe = Files.createDirectory(dir.resolve("safe"));
    Path target = Files.createFile(safe.resolve("keyring"));
    FileModes.set(target, "rw-------");
    Path open = Files.createDirectory(dir.resolve("open"));
    Path link = Files.createSymbolicLink(open.resolve("keyring"), target);
    PrivateFiles.checkOwnerOnly(link, "keyring");
    FileModes.set(open, "rwxrwxrwx");
    refused(() -> PrivateFiles.checkOwnerOnly(link, "keyring"));
  }

  @Test
  void aLinkInTheMiddleOfAChain_inAWorldWritableDirectory_isRefused() throws Exception {
    Path safe = Files.createDirectory(dir.resolve("safe2"));
    Path target = Files.createFile(safe.resolve("master.key"));
    FileModes.set(target, "rw-------");
    Path open = Files.createDirectory(dir.resolve("open2"));
    Path middle = Files.createSymbolicLink(open.resolve("l3"), target);
    Path home = Files.createDirectory(dir.resolve("home2"));
    Path first = Files.createSymbolicLink(home.resolve("master.key"), middle);
    PrivateFiles.checkSecret(first, "master key file");
    FileModes.set(open, "rwxrwxrwx"); // another user could now point l3 at another file of ours

    String message = refused(() -> PrivateFiles.checkSecret(first, "master key file"));
    assertTrue(message.contains(open.toRealPath().toString()), message);
  }

  @Test
  void aLinkedDirectory_inAWorldWritableDirectory_isRefused() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data3"));
    Path target = Files.createFile(data.resolve("keyring"));
    FileModes.set(target, "rw-------");
    Path open = Files.createDirectory(dir.resolve("open3"));
    Path linkedDir = Files.createSymbolicLink(open.resolve("data"), data);
    Path file = linkedDir.resolve("keyring");
    PrivateFiles.checkOwnerOnly(file, "keyring");
    FileModes.set(open, "rwxrwxrwx");

    refused(() -> PrivateFiles.checkOwnerOnly(file, "keyring"));
  }

  @Test
  void aFifoOrADevice_isRefused_soThatNoReadHangsOrNeverEnds() throws Exception {
    Path fifo = dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start().waitFor());

    assertTrue(refused(() -> PrivateFiles.checkSecret(fifo, "master key file")).endsWith("it is not a regular file"));
    refused(() -> PrivateFiles.checkTrusted(Path.of("/dev/zero"), "config file"));
  }

  @Test
  void aTrustedFile_mayBeOursOrRoots_butNotAnotherUsers_norWritableByOthers() throws Exception {
    Path ours = file("rw-r--r--");
    PrivateFiles.checkTrusted(ours, "config file");
    FileModes.set(ours, "rw-rw-r--");
    refused(() -> PrivateFiles.checkTrusted(ours, "config file"));
    Path theirs = file("rw-r--r--");
    FileModes.giveToNobody(theirs);
    assertTrue(refused(() -> PrivateFiles.checkTrusted(theirs, "config file")).contains("belongs to uid 65534"));
  }

  @Test
  void aMissingFileIsNoSuchFile() {
    assertThrows(NoSuchFileException.class, () -> PrivateFiles.checkOwnerOnly(dir.resolve("none"), "keyring"));
  }

  private Path file(String mode) throws IOException {
    Path file = Files.createTempFile(dir, "f", null);
    FileModes.set(file, mode);
    return file;
  }

  private static String refused(Executable check) {
    EnvelopeException e = assertThrows(EnvelopeException.class, check);
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().startsWith("refusing to use the "), e.getMessage());
    return e.getMessage();
  }
}
