package dev.envelope.service;

import static dev.envelope.service.ServiceFixture.FIRST_SEGMENT_PLAINTEXT;
import static dev.envelope.service.ServiceFixture.OTHER_TENANT;
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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link FileService} over the real local keyring and the real local stores. */
class FileServiceTest {
  private static final int B1 = FIRST_SEGMENT_PLAINTEXT;
  private static final int B2 = FIRST_SEGMENT_PLAINTEXT + SEGMENT_PLAINTEXT;

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

  @ParameterizedTest
  @ValueSource(ints = {0, 1, B1 - 1, B1, B1 + 1, B2 - 1, B2, B2 + 1, 3 * 1024 * 1024 + 7})
  void upload_thenDownload_returnsTheSameBytes(int size) throws Exception {
    byte[] data = random(size, size);
    FileRecord file = fx.upload(data);
    assertEquals(size, file.size());
    assertEquals(SEGMENT, file.segmentSize());
    assertArrayEquals(data, fx.download(READER, file.id()));
    assertEquals(file, fx.service.describe(READER, file.id()));
  }

  @Test
  void uploadedRow_recordsWhatWasAsked() throws Exception {
    FileRecord file = fx.service.upload(WRITER, "notes.txt", "text/plain; charset=utf-8",
        new ByteArrayInputStream(new byte[] {1}));
    assertTrue(FileId.isWellFormed(file.id()));
    assertEquals("acme", file.tenant());
    assertEquals("notes.txt", file.name());
    assertEquals("text/plain; charset=utf-8", file.contentType());
    assertEquals(fx.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), file.createdAt());
    assertEquals(fx.rootKey, file.wrappedKey().rootKeyId());
  }

  @Test
  void everyRangeShape_returnsTheMatchingSlice() throws Exception {
    byte[] data = random(5 * SEGMENT + 123, 11);
    String id = fx.upload(data).id();
    int n = data.length;
    int[][] ranges = {{0, 1}, {0, n}, {n - 1, 1}, {0, B1}, {B1 - 1, 2}, {B1, 1}, {B1 - 1, SEGMENT_PLAINTEXT + 2},
        {B2 - 1, 1}, {B2, SEGMENT_PLAINTEXT}, {B1, SEGMENT_PLAINTEXT}, {1, n - 2}, {n - B1, B1}};
    for (int[] r : ranges) {
      assertArrayEquals(slice(data, r[0], r[1]), fx.range(id, r[0], r[1]), r[0] + "+" + r[1]);
    }
    Random random = new Random(12);
    for (int i = 0; i < 150; i++) {
      int offset = random.nextInt(n);
      int length = 1 + random.nextInt(Math.min(n - offset, i % 3 == 0 ? 50 : 3 * SEGMENT));
      assertArrayEquals(slice(data, offset, length), fx.range(id, offset, length), offset + "+" + length);
    }
  }

  @Test
  void rangeOutsideTheFile_isRefused() throws Exception {
    String id = fx.upload(random(100, 13)).id();
    try (Download download = fx.service.download(READER, id)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertThrows(IllegalArgumentException.class, () -> download.writeRange(out, 0, 0));
      assertThrows(IllegalArgumentException.class, () -> download.writeRange(out, -1, 2));
      assertThrows(IllegalArgumentException.class, () -> download.writeRange(out, 99, 2));
      assertThrows(IllegalArgumentException.class, () -> download.writeRange(out, 100, 1));
      assertEquals(0, out.size());
    }
  }

  @Test
  void rangeNearTheEndOfALargeFile_readsOnlyTheLastSegments() throws Exception {
    byte[] data = random(4 * 1024 * 1024, 14);
    String id = fx.upload(data).id();
    long blobSize = fx.stores.blobs().size(id);
    fx.blobs.reset();
    assertArrayEquals(slice(data, data.length - 1000, 1000), fx.range(id, data.length - 1000, 1000));
    assertTrue(fx.blobs.bytesRead() <= 40 + 2 * SEGMENT, "read " + fx.blobs.bytesRead() + " bytes");
    assertTrue(fx.blobs.lowestOffsetPastTheHeader() >= blobSize - 2 * SEGMENT);
  }

  @Test
  void anotherTenantsFile_answersExactlyLikeAMissingOne() throws Exception {
    String id = fx.upload(random(10, 15)).id();
    String missing = FileId.random();
    for (String probe : List.of(id, missing)) {
      EnvelopeException describe = assertCode(ErrorCode.NOT_FOUND, () -> fx.service.describe(OTHER_TENANT, probe));
      EnvelopeException download = assertCode(ErrorCode.NOT_FOUND, () -> fx.service.download(OTHER_TENANT, probe));
      EnvelopeException delete = assertCode(ErrorCode.NOT_FOUND, () -> fx.service.delete(OTHER_TENANT, probe));
      for (EnvelopeException e : List.of(describe, download, delete)) {
        assertEquals("no file ID", e.getMessage().replace(probe, "ID"));
      }
    }
    assertEquals(List.of(), fx.service.list(OTHER_TENANT, null, 10).files());
    assertArrayEquals(random(10, 15), fx.download(READER, id));
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "aaaaaaaaaaaaaaaaaaaaaaaaa1"})
  void malformedIds_areNotFound(String id) {
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.describe(READER, id));
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.download(READER, id));
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.delete(WRITER, id));
  }

  @Test
  void readRole_canReadButNeitherUploadNorDelete() throws Exception {
    String id = fx.upload(new byte[] {1}).id();
    assertCode(ErrorCode.FORBIDDEN, () -> fx.service.upload(READER, "x", null, new ByteArrayInputStream(new byte[1])));
    assertCode(ErrorCode.FORBIDDEN, () -> fx.service.delete(READER, id));
    assertArrayEquals(new byte[] {1}, fx.download(READER, id));
    assertEquals(1, fx.service.list(READER, null, 10).files().size());
    assertEquals(1, fx.everyBlobFile().size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\u0000b", "bell\u0007", "line\nbreak", "del\u007f", "txt.\u202eexe", "\u2066iso\u2069",
      "sep\u2028x", "\uD800lone", "mark\u200etxt", "mark\u200fexe", "arabic\u061cmark"})
  void unsafeNames_areInvalidArguments_andStoreNothing(String name) throws Exception {
    assertCode(ErrorCode.INVALID_ARGUMENT,
        () -> fx.service.upload(WRITER, name, null, new ByteArrayInputStream(new byte[10])));
    assertNothingStored();
  }

  @Test
  void nameOver1024Bytes_isTooLarge_and1024Pass() throws Exception {
    assertCode(ErrorCode.TOO_LARGE,
        () -> fx.service.upload(WRITER, "é".repeat(512) + "x", null, new ByteArrayInputStream(new byte[1])));
    assertNothingStored();
    String longest = "é".repeat(512);
    assertEquals(longest, fx.service.upload(WRITER, longest, null, new ByteArrayInputStream(new byte[1])).name());
  }

  @ParameterizedTest
  @ValueSource(strings = {"../etc/passwd", "報告書.pdf", "отчёт.docx", "تقرير", "a/b\\c", "📄 x", " spaced "})
  void pathLikeAndNonLatinNames_areKeptVerbatim(String name) throws Exception {
    FileRecord file = fx.service.upload(WRITER, name, null, new ByteArrayInputStream(new byte[] {1}));
    assertEquals(name, fx.service.describe(READER, file.id()).name());
    assertEquals(1, fx.everyBlobFile().size());
    assertTrue(fx.everyBlobFile().get(0).endsWith(file.id()), "the blob is named by the id only");
  }

  @Test
  void uploadOfExactlyTheLimit_passes_andOneByteMore_failsLeavingNothing() throws Exception {
    fx.close();
    fx = new ServiceFixture(home.resolve("limited"), null, null, 10_000);
    assertEquals(10_000, fx.upload(random(10_000, 16)).size());
    List<java.nio.file.Path> before = fx.everyBlobFile();
    assertCode(ErrorCode.TOO_LARGE, () -> fx.upload(random(10_001, 17)));
    assertEquals(before, fx.everyBlobFile());
    assertEquals(1, fx.rowCount());
  }

  @Test
  void bodyThatFailsHalfway_isAnIoError_andLeavesNothing() throws Exception {
    InputStream failing = new InputStream() {
      private int served;

      @Override
      public int read() throws IOException {
        return read(new byte[1], 0, 1);
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (served > 3 * SEGMENT) {
          throw new IOException("connection reset by peer");
        }
        served += len;
        return len;
      }
    };
    assertCode(ErrorCode.IO, () -> fx.service.upload(WRITER, "half", null, failing));
    assertNothingStored();
  }

  @Test
  void delete_makesTheFileUnreadable_andRemovesItsBlob() throws Exception {
    String id = fx.upload(random(100, 18)).id();
    fx.service.delete(WRITER, id);
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.download(READER, id));
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.describe(READER, id));
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.delete(WRITER, id));
    assertNothingStored();
  }

  @Test
  void aDeleteBetweenADownloadsRowAndItsBlob_makesTheDownloadNotFound_notADamagedFile() throws Exception {
    // A delete removes the row, then the blob: a download that read the row just before finds no blob.
    String id = fx.upload(random(100, 31)).id();
    fx.blobs.beforeNextSize(() -> fx.service.delete(WRITER, id));
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.download(READER, id));

    String other = fx.upload(random(100, 32)).id();
    fx.blobs.beforeNextSize(() -> fx.service.delete(WRITER, other));
    assertCode(ErrorCode.NOT_FOUND, () -> fx.service.stat(READER, other));
  }

  @Test
  void aDeleteBetweenOpeningADownloadAndReadingIt_saysDeleted_notAStoreFailure() throws Exception {
    String id = fx.upload(random(3 * SEGMENT, 33)).id();
    try (Download whole = fx.service.download(READER, id); Download part = fx.service.download(READER, id)) {
      fx.service.delete(WRITER, id);
      assertThrows(Download.DeletedException.class, () -> whole.writeTo(new ByteArrayOutputStream()));
      assertThrows(Download.DeletedException.class, () -> part.writeRange(new ByteArrayOutputStream(), SEGMENT, 10));
    }
  }

  @Test
  void aBlobThatVanishesUnderADownloadWhileItsRowStays_isInvalidCiphertext() throws Exception {
    String id = fx.upload(random(3 * SEGMENT, 34)).id();
    try (Download whole = fx.service.download(READER, id)) {
      fx.stores.blobs().delete(id); // not by the service: the row stays, so this is damage, not a delete
      assertThrows(dev.envelope.core.InvalidCiphertextException.class,
          () -> whole.writeTo(new ByteArrayOutputStream()));
    }
  }

  @Test
  void list_pagesTheTenantsFilesNewestFirst() throws Exception {
    List<String> ids = IntStream.range(0, 5).mapToObj(i -> {
      fx.clock.advance(Duration.ofSeconds(1));
      return uploadQuietly(new byte[] {(byte) i});
    }).toList();
    FilePage first = fx.service.list(READER, null, 3);
    FilePage second = fx.service.list(READER, first.nextCursor().orElseThrow(), 3);
    assertEquals(List.of(ids.get(4), ids.get(3), ids.get(2)), first.files().stream().map(FileRecord::id).toList());
    assertEquals(List.of(ids.get(1), ids.get(0)), second.files().stream().map(FileRecord::id).toList());
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> fx.service.list(READER, null, 0));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> fx.service.list(READER, "forged", 10));
  }

  @Test
  void sweeper_removesAnOrphanOnlyAfterTheGracePeriod_andNeverABlobWithARow() throws Exception {
    String kept = fx.upload(random(100, 19)).id();
    String orphan = FileId.random();
    try (BlobWriter writer = fx.stores.blobs().create(orphan)) {
      writer.write(random(100, 20)); // as left by an upload that died between blob and row
      writer.commit();
    }
    assertEquals(0, fx.service.sweepOrphans(Duration.ofHours(1)));
    fx.clock.advance(Duration.ofMinutes(59));
    assertEquals(0, fx.service.sweepOrphans(Duration.ofHours(1)));
    fx.clock.advance(Duration.ofMinutes(2));
    assertEquals(1, fx.service.sweepOrphans(Duration.ofHours(1)));
    assertThrows(NoSuchBlobException.class, () -> fx.stores.blobs().size(orphan));
    fx.clock.advance(Duration.ofDays(30));
    assertEquals(0, fx.service.sweepOrphans(Duration.ofHours(1)));
    assertArrayEquals(random(100, 19), fx.download(READER, kept));
  }

  @Test
  void readyService_saysSo() throws EnvelopeException {
    fx.service.checkReady();
  }

  private String uploadQuietly(byte[] data) {
    try {
      return fx.upload(data).id();
    } catch (EnvelopeException e) {
      throw new AssertionError(e);
    }
  }

  private void assertNothingStored() throws Exception {
    assertEquals(List.of(), fx.everyBlobFile(), "no blob and no temporary file");
    assertEquals(0, fx.rowCount());
  }

  static EnvelopeException assertCode(ErrorCode code, Executable call) {
    EnvelopeException e = assertThrows(EnvelopeException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

  static byte[] slice(byte[] data, int offset, int length) {
    return Arrays.copyOfRange(data, offset, offset + length);
  }
}
