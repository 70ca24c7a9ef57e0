package dev.envelope.service;

import static dev.envelope.service.ServiceFixture.READER;
import static dev.envelope.service.ServiceFixture.WRITER;
import static dev.envelope.service.ServiceFixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileService} with many callers at once, and with clients that go away mid-download. */
class FileServiceStreamsTest {
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
  void concurrentUploadsAndDownloadsOfMixedSizes_allComeBackRight() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(12);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 12; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 8; i++) {
            int size = (thread * 8 + i) % 5 == 0 ? 300_000 + i : (thread * 977 + i * 131) % 20_000;
            byte[] data = random(size, thread * 100L + i);
            String id = fx.service.upload(WRITER, "f" + i, null, new ByteArrayInputStream(data)).id();
            assertArrayEquals(data, fx.download(READER, id));
            if (size > 10) {
              assertArrayEquals(FileServiceTest.slice(data, size - 10, 10), fx.range(id, size - 10, 10));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(96, fx.rowCount());
    assertEquals(96, fx.everyBlobFile().size());
  }

  @Test
  void blobStoreThatDeliversAFewBytesPerRead_servesDownloadsAndRanges() throws Exception {
    FileService trickling = FileService.builder()
        .keyService(fx.keyring, fx.rootKey)
        .blobStore(new CountingBlobStore(fx.stores.blobs(), 7))
        .metadataStore(fx.stores.metadata())
        .segmentSize(ServiceFixture.SEGMENT)
        .build();
    byte[] data = random(5 * ServiceFixture.SEGMENT + 11, 2);
    String id = fx.upload(data).id();
    try (Download download = trickling.download(READER, id)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      download.writeTo(out);
      assertArrayEquals(data, out.toByteArray());
      for (int[] r : new int[][] {{0, 1}, {4039, 2}, {9000, 7000}, {data.length - 1, 1}}) {
        out.reset();
        download.writeRange(out, r[0], r[1]);
        assertArrayEquals(FileServiceTest.slice(data, r[0], r[1]), out.toByteArray(), r[0] + "+" + r[1]);
      }
    }
  }

  @Test
  void clientThatGoesAway_isASinkException_notACiphertextError() throws Exception {
    String id = fx.upload(random(100_000, 1)).id();
    try (Download download = fx.service.download(READER, id)) {
      assertThrows(Download.SinkException.class, () -> download.writeTo(new BrokenPipe()));
      assertThrows(Download.SinkException.class, () -> download.writeRange(new BrokenPipe(), 50_000, 20_000));
    }
  }

  /** A client that closed its connection. */
  private static final class BrokenPipe extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      throw new IOException("Broken pipe");
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      throw new IOException("Broken pipe");
    }
  }
}
