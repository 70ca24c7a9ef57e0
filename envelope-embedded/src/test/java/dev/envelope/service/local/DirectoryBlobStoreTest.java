package dev.envelope.service.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.BlobStore;
import dev.envelope.service.BlobStoreContract;
import dev.envelope.service.BlobWriter;
import dev.envelope.service.NoSuchBlobException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryBlobStoreTest extends BlobStoreContract {
  @TempDir
  Path home;

  @Override
  protected BlobStore newStore() throws IOException {
    return DirectoryBlobStore.open(home.resolve("blobs"));
  }

  private Path root() {
    return home.resolve("blobs");
  }

  private Path tempDir() {
    return root().resolve(DirectoryBlobStore.TEMP_DIR);
  }

  @Test
  void blobs_fanOutByTheFirstTwoCharactersOfTheKey() throws IOException {
    put("abcdef", new byte[] {1});
    put("x", new byte[] {2});
    assertTrue(Files.isRegularFile(root().resolve("ab").resolve("abcdef")));
    assertTrue(Files.isRegularFile(root().resolve("x").resolve("x")));
  }

  @Test
  void blobsAndDirectories_areOwnerOnly() throws IOException {
    put("private", new byte[] {1});
    assertEquals("rwx------", mode(root()));
    assertEquals("rwx------", mode(root().resolve("pr")));
    assertEquals("rwx------", mode(tempDir()));
    assertEquals("rw-------", mode(root().resolve("pr").resolve("private")));
  }

  @Test
  void temporaryFile_isOwnerOnlyFromTheStart() throws IOException {
    try (BlobWriter writer = store().create("secret")) {
      writer.write(new byte[100_000]);
      writer.flush();
      List<Path> temps = temporaryFiles();
      assertEquals(1, temps.size());
      assertEquals("rw-------", mode(temps.get(0)));
    }
  }

  @Test
  void abortedAndCommittedWriters_leaveNoTemporaryFile() throws IOException {
    try (BlobWriter writer = store().create("aborted")) {
      writer.write(new byte[100_000]);
    }
    put("committed", new byte[100_000]);
    assertEquals(List.of(), temporaryFiles());
  }

  @Test
  void failedCommit_leavesNoTemporaryFile() throws IOException {
    BlobWriter first = store().create("taken2");
    put("taken2", new byte[] {2});
    first.write(new byte[10]);
    assertThrows(IOException.class, first::commit);
    assertEquals(List.of(), temporaryFiles());
  }

  @Test
  void leftoverOfADeadWriter_isNeverListedOrRead() throws IOException {
    Path leftover = deadWritersFile(Duration.ofMinutes(5));
    assertEquals(List.of(), store().list(null, 100));
    String name = leftover.getFileName().toString();
    assertThrows(IllegalArgumentException.class, () -> store().read(name, 0, 10));
    assertTrue(Files.exists(leftover), "a young leftover may belong to a live writer of another process");
  }

  @Test
  void staleLeftover_isRemovedWhenTheStoreOpens() throws IOException {
    Path stale = deadWritersFile(Duration.ofHours(2));
    Path young = deadWritersFile(Duration.ofMinutes(5));
    DirectoryBlobStore.open(root()).close();
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(young));
  }

  @Test
  void staleLeftover_isRemovedByAFullListing_butALiveWritersFileNeverIs() throws IOException {
    try (BlobWriter live = store().create("live")) {
      live.write(new byte[100_000]);
      live.flush();
      Path liveFile = temporaryFiles().get(0);
      Files.setLastModifiedTime(liveFile, FileTime.from(Instant.now().minus(Duration.ofHours(3))));
      Path stale = deadWritersFile(Duration.ofHours(2));
      store().list(null, 10);
      assertFalse(Files.exists(stale));
      assertTrue(Files.exists(liveFile));
      live.commit();
    }
    assertArrayEquals(new byte[100_000], read("live", 0, 100_000));
  }

  @Test
  void smallBlob_isStoredWithoutATemporaryFile_ownerOnly() throws IOException {
    try (BlobWriter writer = store().create("small")) {
      writer.write(new byte[4_152]);
      writer.flush();
      assertEquals(List.of(), temporaryFiles(), "a blob within the writer's buffer needs no temporary file");
      assertFalse(Files.exists(root().resolve("sm").resolve("small")), "not visible before commit");
      writer.commit();
    }
    assertEquals(List.of(), temporaryFiles());
    assertEquals("rw-------", mode(root().resolve("sm").resolve("small")));
    assertEquals(4_152, store().size("small"));
  }

  @Test
  void blobsAroundTheBufferSize_roundTrip() throws IOException {
    java.util.Random random = new java.util.Random(3);
    for (int size : new int[] {0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 3 * 16 * 1024 + 5}) {
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      String key = "around" + size;
      try (BlobWriter writer = store().create(key)) {
        // Odd pieces, so both the buffered and the direct write paths meet the boundary.
        for (int off = 0; off < size; off += 1000) {
          writer.write(bytes, off, Math.min(1000, size - off));
        }
        writer.commit();
      }
      assertArrayEquals(bytes, read(key, 0, size + 10), "size " + size);
    }
    assertEquals(List.of(), temporaryFiles());
  }

  @Test
  void smallBlobUnderATakenKey_failsAndLeavesTheFirstIntact() throws IOException {
    BlobWriter late = store().create("taken3");
    put("taken3", new byte[] {7});
    late.write(new byte[10]);
    assertThrows(dev.envelope.service.BlobExistsException.class, late::commit);
    assertArrayEquals(new byte[] {7}, read("taken3", 0, 10));
    assertEquals(List.of(), temporaryFiles());
  }

  @Test
  void abortedSmallBlob_leavesNothing() throws IOException {
    try (BlobWriter writer = store().create("gone")) {
      writer.write(new byte[100]);
      writer.abort();
    }
    assertFalse(Files.exists(root().resolve("go").resolve("gone")));
    assertEquals(List.of(), temporaryFiles());
    assertThrows(dev.envelope.service.NoSuchBlobException.class, () -> store().size("gone"));
  }

  @Test
  void strayFilesInTheTree_areNotBlobs() throws IOException {
    put("ab1", new byte[] {1});
    Files.write(root().resolve("ab").resolve("README"), new byte[] {1});
    Files.write(root().resolve("ab").resolve("cd"), new byte[] {1}); // a key, but in the wrong directory
    Files.createDirectory(root().resolve("Zz"));
    assertEquals(List.of("ab1"), store().list(null, 10).stream().map(b -> b.key()).toList());
  }

  @Test
  void blobDeletedBehindTheStoresBack_isNoSuchBlob() throws IOException {
    put("gone", new byte[] {1});
    Files.delete(root().resolve("go").resolve("gone"));
    assertThrows(NoSuchBlobException.class, () -> store().size("gone"));
  }

  @Test
  void removedDirectory_isNotReady() throws IOException {
    Files.delete(tempDir());
    assertThrows(IOException.class, store()::checkReady);
  }

  @Test
  void closedStore_refusesWork() throws IOException {
    store().close();
    assertThrows(IOException.class, () -> store().create("late"));
    assertThrows(IOException.class, store()::checkReady);
  }

  private Path deadWritersFile(Duration age) throws IOException {
    Path file = tempDir().resolve(DirectoryBlobStore.TEMP_PREFIX + Long.toHexString(System.nanoTime()) + "0123456789abcdef");
    Files.write(file, new byte[] {1, 2, 3});
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(age)));
    return file;
  }

  private List<Path> temporaryFiles() throws IOException {
    try (Stream<Path> files = Files.list(tempDir())) {
      return files.toList();
    }
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
