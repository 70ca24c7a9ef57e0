package dev.envelope.service.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.testing.FileModes;
import dev.envelope.service.BlobWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStoresTest {
  @TempDir
  Path dir;

  @Test
  void open_createsAnOwnerOnlyHomeWithBlobsAndDatabase() throws Exception {
    Path home = dir.resolve("a/new/home");
    try (LocalStores stores = LocalStores.open(home)) {
      stores.blobs().checkReady();
      stores.metadata().checkReady();
      assertTrue(stores.tokens() == stores.metadata());
    }
    assertEquals("rwx------", mode(home));
    assertEquals("rwx------", mode(home.resolve(LocalStores.BLOBS)));
    assertEquals("rw-------", mode(home.resolve(LocalStores.DATABASE)));
  }

  @Test
  void reopenedHome_keepsItsBlobs() throws Exception {
    try (LocalStores stores = LocalStores.open(dir); BlobWriter writer = stores.blobs().create("b1")) {
      writer.write(new byte[] {7});
      writer.commit();
    }
    try (LocalStores stores = LocalStores.open(dir); InputStream in = stores.blobs().read("b1", 0, 10)) {
      assertArrayEquals(new byte[] {7}, in.readAllBytes());
    }
  }

  @Test
  void close_closesBoth() throws Exception {
    LocalStores stores = LocalStores.open(dir);
    stores.close();
    assertThrows(IOException.class, stores.blobs()::checkReady);
    EnvelopeException e = assertThrows(EnvelopeException.class, stores.metadata()::checkReady);
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
  }

  @Test
  void homeThatIsAFile_isAClearIoError() throws Exception {
    Path file = Files.createFile(dir.resolve("not-a-dir"));
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> LocalStores.open(file));
    assertEquals(ErrorCode.IO, e.code());
  }

  @Test
  void aHomeOthersMayWrite_isRefused_andNothingIsStoredInIt() throws Exception {
    Path home = FileModes.set(Files.createDirectory(dir.resolve("open")), "rwxrwxrwx");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> LocalStores.open(home));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains("chmod go-w " + home.toRealPath()), e.getMessage());
  }

  @Test
  void aBlobDirectoryOthersMayWrite_orAnotherUserOwns_isRefused() throws Exception {
    Path home = dir.resolve("home");
    LocalStores.open(home).close();
    Path blobs = home.resolve(LocalStores.BLOBS);

    FileModes.set(blobs, "rwxrwx---");
    EnvelopeException writable = assertThrows(EnvelopeException.class, () -> LocalStores.open(home));
    assertEquals(ErrorCode.INSECURE_FILE, writable.code());
    assertTrue(writable.getMessage().contains("blob directory") && writable.getMessage().contains(blobs.toString()),
        writable.getMessage());

    FileModes.set(blobs, "rwx------");
    FileModes.giveToNobody(blobs);
    EnvelopeException theirs = assertThrows(EnvelopeException.class, () -> LocalStores.openBlobs(home));
    assertEquals(ErrorCode.INSECURE_FILE, theirs.code());
    assertTrue(theirs.getMessage().contains("belongs to uid 65534"), theirs.getMessage());
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
