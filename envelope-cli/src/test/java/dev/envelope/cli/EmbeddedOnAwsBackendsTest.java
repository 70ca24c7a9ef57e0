package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.envelope.awskms.AwsKmsKeyService;
import dev.envelope.awskms.KmsFixture;
import dev.envelope.dynamodb.DynaliteFixture;
import dev.envelope.dynamodb.DynamoDbMetadataStore;
import dev.envelope.s3.S3BlobStore;
import dev.envelope.s3.S3ProxyFixture;
import dev.envelope.service.BlobStore;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "embedding on the scale-out backends" example of docs/LIBRARY.md, as code that runs: a {@link FileService} built
 * in-process over AWS KMS (the key server), S3 (S3Proxy) and DynamoDB (dynalite), the way an application that
 * does not want a separate server embeds Envelope. Only the endpoints and credentials differ from docs/LIBRARY.md.
 */
class EmbeddedOnAwsBackendsTest {
  @TempDir
  Path dir;

  @Test
  void aFileServiceEmbeddedOnKmsS3AndDynamoDb_storesAndServesAFile() throws Exception {
    try (S3ProxyFixture s3 = S3ProxyFixture.start(dir.resolve("s3"));
         DynaliteFixture dynamo = DynaliteFixture.start(dir.resolve("dynamo"));
         KmsFixture kms = KmsFixture.start()) {
      s3.createBucket("acme-envelope");
      kms.createAlias("alias/envelope-files", kms.createKey());
      DynamoDbMetadataStore.createTable(dynamo.config("envelope"));

      // As in docs/LIBRARY.md, with a stand-in's endpoint and keys in place of AWS's:
      AwsKmsKeyService keys = AwsKmsKeyService.create(kms.config());
      BlobStore blobs = S3BlobStore.create(s3.storeConfig("acme-envelope").prefix("files/").build());
      DynamoDbMetadataStore rows = DynamoDbMetadataStore.open(dynamo.config("envelope"));
      FileService files = FileService.builder().keyService(keys, "alias/envelope-files").blobStore(blobs)
          .metadataStore(rows).build();

      byte[] content = new byte[10 * 1024 * 1024 + 3]; // more than one S3 part: a multipart upload
      new Random(5).nextBytes(content);
      Principal caller = Principal.of("acme", Role.WRITE);
      FileRecord stored = files.upload(caller, "report.pdf", "application/pdf", new ByteArrayInputStream(content));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (Download d = files.download(caller, stored.id())) {
        d.writeTo(out);
      }

      assertArrayEquals(content, out.toByteArray());
      assertEquals("aws-kms", stored.keyService());
      assertEquals(1, kms.generateDataKeyCalls());
      assertEquals(1, kms.decryptCalls());
      rows.close();
      blobs.close();
      keys.close();
    }
  }
}
