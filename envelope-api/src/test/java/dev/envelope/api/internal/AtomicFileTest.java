package dev.envelope.api.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  @TempDir Path dir;

  @Test
  void commit_makesTheFileAppearWithItsContent() throws IOException {
    Path target = dir.resolve("out.bin");
    byte[] content = randomBytes(100_000, 1);
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write(content);
      assertFalse(Files.exists(target), "the target appears only on commit");

      file.commit();
    }

    assertArrayEquals(content, Files.readAllBytes(target));
    assertEquals(List.of("out.bin"), names());
  }

  @Test
  void commit_givesTheFileOwnerOnlyPermissions() throws IOException {
    Path target = dir.resolve("private.bin");
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write(1);
      file.commit();
    }

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
  }

  @Test
  void theTemporaryFile_isPrivateFromTheStart_andNamedAsATemporaryFile() throws IOException {
    AtomicFile file = AtomicFile.create(dir.resolve("out.bin"), AtomicFile.privateFile());
    try {
      List<Path> temps = list();

      assertEquals(1, temps.size());
      String name = temps.get(0).getFileName().toString();
      assertTrue(name.matches("\\.envelope-tmp-[0-9a-f]{16}"), name);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(temps.get(0))));
    } finally {
      file.close();
    }
  }

  @Test
  void closeWithoutCommit_leavesNoFileAndNoTemporaryFile() throws IOException {
    Path target = dir.resolve("out.bin");
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write(randomBytes(10_000, 2));
    }

    assertFalse(Files.exists(target));
    assertEquals(List.of(), names());
  }

  @Test
  void aFailedWrite_leavesAnExistingTargetUntouched() throws IOException {
    Path target = dir.resolve("out.bin");
    Files.writeString(target, "the old content");
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write("half of the new con".getBytes(StandardCharsets.UTF_8));
      // no commit: the write failed
    }

    assertEquals("the old content", Files.readString(target));
    assertEquals(List.of("out.bin"), names());
  }

  @Test
  void commit_replacesAnExistingFile() throws IOException {
    Path target = dir.resolve("out.bin");
    Files.writeString(target, "the old content, which is longer than the new one");
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write("new".getBytes(StandardCharsets.UTF_8));
      file.commit();
    }

    assertEquals("new", Files.readString(target));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    assertEquals(List.of("out.bin"), names());
  }

  @Test
  void commitNew_createsTheFile_likeCommit() throws IOException {
    Path target = dir.resolve("out.bin");
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write("new".getBytes(StandardCharsets.UTF_8));
      file.commitNew();
    }

    assertEquals("new", Files.readString(target));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    assertEquals(List.of("out.bin"), names());
  }

  @Test
  void commitNew_refusesATargetThatAppearedWhileWriting_andLeavesItAsItWas() throws IOException {
    Path target = dir.resolve("out.bin");
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write("new".getBytes(StandardCharsets.UTF_8));
      Files.writeString(target, "someone else's file"); // made between the check and the commit
      assertThrows(java.nio.file.FileAlreadyExistsException.class, file::commitNew);
    }

    assertEquals("someone else's file", Files.readString(target));
    assertEquals(List.of("out.bin"), names(), "no temporary file left");
  }

  @Test
  void commitNew_refusesADanglingSymbolicLink_insteadOfWritingThroughIt() throws IOException {
    Path target = dir.resolve("link");
    Files.createSymbolicLink(target, dir.resolve("elsewhere"));
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write("new".getBytes(StandardCharsets.UTF_8));
      assertThrows(java.nio.file.FileAlreadyExistsException.class, file::commitNew);
    }

    assertTrue(Files.isSymbolicLink(target));
    assertFalse(Files.exists(dir.resolve("elsewhere")));
    assertEquals(List.of("link"), names());
  }

  @Test
  void commit_ofNothing_createsAnEmptyFile() throws IOException {
    Path target = dir.resolve("empty");
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.commit();
    }

    assertEquals(0, Files.size(target));
  }

  @Test
  void commitTwice_orAfterClose_isRefused() throws IOException {
    AtomicFile committed = AtomicFile.create(dir.resolve("a"), AtomicFile.privateFile());
    committed.commit();
    AtomicFile closed = AtomicFile.create(dir.resolve("b"), AtomicFile.privateFile());
    closed.close();

    assertThrows(IllegalStateException.class, committed::commit);
    assertThrows(IllegalStateException.class, closed::commit);
    assertTrue(Files.exists(dir.resolve("a")));
    assertFalse(Files.exists(dir.resolve("b")));
  }

  @Test
  void closeAfterCommit_keepsTheFile() throws IOException {
    Path target = dir.resolve("out.bin");
    AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile());
    file.stream().write(7);
    file.commit();
    file.close();
    file.close();

    assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
  }

  @Test
  void create_inAMissingDirectory_fails_andLeavesNothing() {
    Path target = dir.resolve("missing").resolve("out.bin");

    assertThrows(IOException.class, () -> AtomicFile.create(target, AtomicFile.privateFile()));
    assertFalse(Files.exists(dir.resolve("missing")));
  }

  private List<Path> list() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().collect(Collectors.toList());
    }
  }

  private List<String> names() throws IOException {
    return list().stream().map(p -> p.getFileName().toString()).collect(Collectors.toList());
  }

  @Test
  void aTargetNameAsLongAsTheFileSystemAllowsStillWorks(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path target = dir.resolve("n".repeat(250));
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      file.stream().write(1);
      file.commit();
    }
    assertTrue(Files.exists(target));
  }

  private static byte[] randomBytes(int length, long seed) {
    byte[] out = new byte[length];
    new java.util.Random(seed).nextBytes(out);
    return out;
  }
}
