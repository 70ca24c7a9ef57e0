package dev.envelope.service;

import static dev.envelope.service.FileServiceTest.assertCode;
import static dev.envelope.service.ServiceFixture.FIRST_SEGMENT_PLAINTEXT;
import static dev.envelope.service.ServiceFixture.READER;
import static dev.envelope.service.ServiceFixture.SEGMENT;
import static dev.envelope.service.ServiceFixture.SEGMENT_PLAINTEXT;
import static dev.envelope.service.ServiceFixture.WRITER;
import static dev.envelope.service.ServiceFixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.InMemoryKeyService;
import dev.envelope.core.InvalidCiphertextException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attacker with write access to the stores (or a failing disk) can do to a file, and what the
 * service does about it: fail, clearly, and release no unauthenticated byte.
 */
class FileServiceTamperTest {
  private static final int SIZE = 5 * SEGMENT;

  @TempDir
  Path home;
  private ServiceFixture fx;

  @BeforeEach
  void start() throws Exception {
    fx = new ServiceFixture(home);
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  @Test
  void flippedByte_failsTheDownload_afterReleasingOnlyEarlierSegments() throws Exception {
    byte[] data = random(SIZE, 1);
    String id = fx.upload(data).id();
    long thirdSegment = 2L * SEGMENT;
    flipByteAt(id, thirdSegment + 100);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download download = fx.service.download(READER, id)) {
      assertThrows(InvalidCiphertextException.class, () -> download.writeTo(out));
    }
    int beforeThird = FIRST_SEGMENT_PLAINTEXT + SEGMENT_PLAINTEXT;
    assertTrue(out.size() <= beforeThird, out.size() + " bytes released");
    assertArrayEquals(Arrays.copyOf(data, out.size()), out.toByteArray());
  }

  @Test
  void flippedByte_failsARangeThatTouchesIt_butNotOneThatDoesNot() throws Exception {
    byte[] data = random(SIZE, 2);
    String id = fx.upload(data).id();
    flipByteAt(id, 2L * SEGMENT + 100);
    int third = FIRST_SEGMENT_PLAINTEXT + SEGMENT_PLAINTEXT;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download download = fx.service.download(READER, id)) {
      assertThrows(InvalidCiphertextException.class, () -> download.writeRange(out, third + 10, 10));
      assertEquals(0, out.size());
      download.writeRange(out, 10, 10);
    }
    assertArrayEquals(Arrays.copyOfRange(data, 10, 20), out.toByteArray());
  }

  @Test
  void flippedHeaderByte_failsBeforeAnyByteIsReleased() throws Exception {
    String id = fx.upload(random(SIZE, 3)).id();
    flipByteAt(id, 5);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download download = fx.service.download(READER, id)) {
      assertThrows(InvalidCiphertextException.class, () -> download.writeTo(out));
    }
    assertEquals(0, out.size());
  }

  @Test
  void truncatedBlob_isInvalidCiphertext_atDownload() throws Exception {
    String id = fx.upload(random(SIZE, 4)).id();
    try (FileChannel blob = FileChannel.open(fx.blobFile(id), StandardOpenOption.WRITE)) {
      blob.truncate(blob.size() - SEGMENT);
    }
    assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> fx.service.download(READER, id));
  }

  @Test
  void extendedBlob_isInvalidCiphertext_atDownload() throws Exception {
    String id = fx.upload(random(SIZE, 5)).id();
    Files.write(fx.blobFile(id), new byte[1], StandardOpenOption.APPEND);
    assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> fx.service.download(READER, id));
  }

  @Test
  void missingBlob_isInvalidCiphertext_atDownload() throws Exception {
    String id = fx.upload(random(10, 6)).id();
    Files.delete(fx.blobFile(id));
    assertCode(ErrorCode.INVALID_CIPHERTEXT, () -> fx.service.download(READER, id));
  }

  @Test
  void wrappedKeysSwappedBetweenTwoRows_areInvalidWrappedKeys() throws Exception {
    String a = fx.upload(random(100, 7)).id();
    String b = fx.upload(random(100, 8)).id();
    try (Connection c = fx.sql()) {
      byte[] keyA = wrappedKey(c, a);
      byte[] keyB = wrappedKey(c, b);
      setWrappedKey(c, a, keyB);
      setWrappedKey(c, b, keyA);
    }
    assertCode(ErrorCode.INVALID_WRAPPED_KEY, () -> fx.service.download(READER, a));
    assertCode(ErrorCode.INVALID_WRAPPED_KEY, () -> fx.service.download(READER, b));
  }

  @Test
  void aRowWrappedByAnotherKindOfKeyService_isRefusedClearly_beforeAnyUnwrap() throws Exception {
    String id = fx.upload(random(100, 9)).id();
    try (Connection c = fx.sql();
        var update = c.prepareStatement("UPDATE files SET key_service = 'pkcs11' WHERE id = ?")) {
      update.setString(1, id);
      assertEquals(1, update.executeUpdate());
    }
    assertCode(ErrorCode.UNSUPPORTED_FORMAT, () -> fx.service.download(READER, id));
  }

  @Test
  void rowMovedToAnotherTenant_doesNotDecrypt() throws Exception {
    String id = fx.upload(random(100, 9)).id();
    try (Connection c = fx.sql(); PreparedStatement s = c.prepareStatement("UPDATE files SET tenant = 'globex'")) {
      s.executeUpdate();
    }
    assertCode(ErrorCode.INVALID_WRAPPED_KEY, () -> fx.service.download(Principal.of("globex", Role.READ), id));
  }

  @Test
  void blobsSwappedBetweenTwoFilesOfTheSameSize_failToDecrypt() throws Exception {
    String a = fx.upload(random(SIZE, 10)).id();
    String b = fx.upload(random(SIZE, 11)).id();
    Path blobA = fx.blobFile(a);
    Path blobB = fx.blobFile(b);
    byte[] bytesA = Files.readAllBytes(blobA);
    Files.write(blobA, Files.readAllBytes(blobB));
    Files.write(blobB, bytesA);
    for (String id : new String[] {a, b}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (Download download = fx.service.download(READER, id)) {
        assertThrows(InvalidCiphertextException.class, () -> download.writeTo(out));
        assertThrows(InvalidCiphertextException.class, () -> download.writeRange(out, SIZE - 10, 10));
      }
      assertEquals(0, out.size());
    }
  }

  @Test
  void disabledRootKey_failsUploadsBeforeAnythingIsStored() throws Exception {
    fx.close();
    InMemoryKeyService keys = new InMemoryKeyService();
    String root = keys.createKey();
    fx = new ServiceFixture(home.resolve("in-memory"), keys, root, Long.MAX_VALUE);
    String stored = fx.upload(random(10, 12)).id();
    keys.disable(root);
    assertCode(ErrorCode.KEY_DISABLED, () -> fx.upload(random(10, 13)));
    assertCode(ErrorCode.KEY_DISABLED, () -> fx.service.download(READER, stored));
    assertEquals(1, fx.everyBlobFile().size());
    assertEquals(1, fx.rowCount());
    keys.enable(root);
    assertArrayEquals(random(10, 12), fx.download(READER, stored));
  }

  @Test
  void metadataStoreFailure_failsTheUpload_andLeavesTheBlobToTheSweeper() throws Exception {
    fx.upload(random(10, 15)); // the tenant's key is known (cached) now: the store fails at the row's insert
    fx.stores.metadata().close();
    assertCode(ErrorCode.UNAVAILABLE,
        () -> fx.service.upload(WRITER, "x", null, new ByteArrayInputStream(random(100, 14))));
    // An unavailable store may have committed the row: the blob stays (UncertainInsertTest shows the rest).
    assertEquals(2, fx.everyBlobFile().size());
  }

  private void flipByteAt(String id, long offset) throws Exception {
    try (FileChannel blob = FileChannel.open(fx.blobFile(id), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      blob.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ 0x01)).rewind();
      blob.write(one, offset);
    }
  }

  private static byte[] wrappedKey(Connection c, String id) throws Exception {
    try (PreparedStatement s = c.prepareStatement("SELECT wrapped_key FROM files WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rows = s.executeQuery()) {
        assertTrue(rows.next());
        return rows.getBytes(1);
      }
    }
  }

  private static void setWrappedKey(Connection c, String id, byte[] key) throws Exception {
    try (PreparedStatement s = c.prepareStatement("UPDATE files SET wrapped_key = ? WHERE id = ?")) {
      s.setBytes(1, key);
      s.setString(2, id);
      assertEquals(1, s.executeUpdate());
    }
  }
}
