package dev.envelope.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.Keyrings;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.service.BlobWriter;
import dev.envelope.service.FileService;
import dev.envelope.service.NoSuchBlobException;
import dev.envelope.service.local.SqliteMetadataStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orphan grace of blobs in S3 is the store's rule, not the CLI's: an embedder who builds a {@link FileService}
 * on an {@link S3BlobStore} through the library alone, and asks for the one-hour default, still gets a grace longer
 * than any upload may take. And an upload that takes longer than that refuses to commit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class S3OrphanGraceTest {
  private static final String BUCKET = "orphans";
  @TempDir
  Path dir;
  private S3ProxyFixture s3;

  @BeforeEach
  void startS3() throws Exception {
    s3 = S3ProxyFixture.start(dir.resolve("s3"));
    s3.createBucket(BUCKET);
  }

  @AfterEach
  void stopS3() {
    s3.close();
  }

  @Test
  void fileServiceOnS3_sweepsWithTwiceTheMaxUploadTime_whateverGraceItIsAskedFor() throws Exception {
    ManagedKeyService keyring = Keyrings.open(dir.resolve("keyring"), Keyrings.newMasterKeyBase64());
    String rootKey = keyring.createKey("files").id();
    try (S3BlobStore blobs = S3BlobStore.create(s3.storeConfig(BUCKET).build());
        SqliteMetadataStore metadata = SqliteMetadataStore.open(dir.resolve("envelope.db"))) {
      try (BlobWriter orphan = blobs.create("orphan-of-a-dead-upload")) {
        orphan.write(new byte[100]);
        orphan.commit();
      }
      Instant written = blobs.list(null, 10).get(0).lastModified();

      FileService twoHoursLater = service(keyring, rootKey, blobs, metadata, written.plus(Duration.ofHours(2)));
      assertEquals(Duration.ofDays(1), twoHoursLater.orphanGrace(Duration.ofHours(1)));
      assertEquals(Duration.ofDays(3), twoHoursLater.orphanGrace(Duration.ofDays(3)), "a longer grace is kept");
      assertEquals(0, twoHoursLater.sweepOrphans(Duration.ofHours(1)), "an hour is too short on S3");
      assertEquals(0, twoHoursLater.sweepOrphans(Duration.ZERO), "no grace is too short on S3");
      assertEquals(100, blobs.size("orphan-of-a-dead-upload"));

      FileService aDayLater = service(keyring, rootKey, blobs, metadata, written.plus(Duration.ofHours(25)));
      assertEquals(1, aDayLater.sweepOrphans(Duration.ofHours(1)));
      assertThrows(NoSuchBlobException.class, () -> blobs.size("orphan-of-a-dead-upload"));
    }
  }

  @Test
  void theMinimumGrace_isTwiceTheConfiguredMaxUploadTime() {
    try (S3BlobStore blobs = S3BlobStore.create(s3.storeConfig(BUCKET).maxUploadTime(Duration.ofMinutes(5))
        .build())) {
      assertEquals(Duration.ofMinutes(10), blobs.minimumOrphanGrace());
    }
    try (S3BlobStore blobs = S3BlobStore.create(s3.storeConfig(BUCKET).build())) {
      assertEquals(S3BlobStoreConfig.DEFAULT_MAX_UPLOAD_TIME.multipliedBy(2), blobs.minimumOrphanGrace());
    }
  }

  @Test
  void writerOlderThanMaxUploadTime_refusesToCommit_andLeavesNothing() throws Exception {
    int part = (int) S3BlobStoreConfig.MIN_PART_SIZE;
    try (S3BlobStore blobs = S3BlobStore.create(s3.storeConfig(BUCKET).partSize(part)
        .maxUploadTime(Duration.ofSeconds(1)).build())) {
      BlobWriter small = blobs.create("slow-small");
      BlobWriter multipart = blobs.create("slow-multipart");
      small.write(new byte[10]);
      multipart.write(new byte[part + 1]); // the first part is shipped: a multipart upload is open
      Thread.sleep(1_100);
      for (BlobWriter writer : new BlobWriter[] {small, multipart}) {
        IOException e = assertThrows(IOException.class, writer::commit);
        assertTrue(e.getMessage().contains("took longer than the store's maxUploadTime"), e.getMessage());
        writer.close();
      }
      assertTrue(blobs.list(null, 10).isEmpty(), "nothing committed");
      assertTrue(s3.client().listMultipartUploads(b -> b.bucket(BUCKET)).uploads().isEmpty(),
          "the multipart upload is aborted");
    }
  }

  private static FileService service(ManagedKeyService keyring, String rootKey, S3BlobStore blobs,
      SqliteMetadataStore metadata, Instant now) {
    return FileService.builder().keyService(keyring, rootKey).blobStore(blobs).metadataStore(metadata)
        .clock(Clock.fixed(now, ZoneOffset.UTC)).build();
  }
}
