package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.awskms.AwsKmsKeyService;
import dev.envelope.awskms.KmsFixture;
import dev.envelope.dynamodb.DynaliteFixture;
import dev.envelope.dynamodb.DynamoDbMetadataStore;
import dev.envelope.s3.S3BlobStore;
import dev.envelope.s3.S3ProxyFixture;
import dev.envelope.service.DataKeyCache;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Rewrap;
import dev.envelope.service.Role;
import dev.envelope.service.TenantAdmin;
import dev.envelope.service.TenantRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.model.KeyState;

/**
 * Per-tenant root keys, rewrap (KMS ReEncrypt), crypto-shredding and the data-key cache on the scale-out backends:
 * AWS KMS (the key server), S3 (S3Proxy) and DynamoDB (dynalite), over real connections.
 */
class TenantsOnAwsBackendsTest {
  private static final Principal OPERATOR = Principal.localOperator();
  private static final Principal ACME = Principal.of("acme", Role.WRITE);
  private static final Principal GLOBEX = Principal.of("globex", Role.WRITE);

  @TempDir
  Path dir;

  @Test
  void tenantsKeysRewrapShredAndTheCache_onKmsS3AndDynamoDb() throws Exception {
    try (S3ProxyFixture s3 = S3ProxyFixture.start(dir.resolve("s3"));
         DynaliteFixture dynamo = DynaliteFixture.start(dir.resolve("dynamo"));
         KmsFixture kms = KmsFixture.start()) {
      s3.createBucket("envelope");
      kms.createAlias("alias/envelope-files", kms.createKey());
      DynamoDbMetadataStore.createTable(dynamo.config("envelope"));
      try (AwsKmsKeyService keys = AwsKmsKeyService.create(kms.config());
           S3BlobStore blobs = S3BlobStore.create(s3.storeConfig("envelope").build());
           DynamoDbMetadataStore rows = DynamoDbMetadataStore.open(dynamo.config("envelope"))) {
        FileService files = FileService.builder().keyService(keys, "alias/envelope-files").blobStore(blobs)
            .metadataStore(rows).tenantStore(rows).dataKeyCache(DataKeyCache.Limits.parse("5m,10,1G")).build();
        TenantAdmin tenants = new TenantAdmin(files, rows, keys);

        // A new key for acme (CreateKey); globex brings its own by alias.
        TenantRecord acme = tenants.create(OPERATOR, "acme", null);
        assertTrue(acme.rootKey().startsWith("arn:aws:kms:"), acme.rootKey());
        String own = kms.createKey();
        kms.createAlias("alias/globex-own", own);
        TenantRecord globex = tenants.create(OPERATOR, "globex", "alias/globex-own");
        assertTrue(globex.rootKey().endsWith(own), globex.rootKey());

        // The cache: 50 uploads of declared size, 10 per data key: 5 GenerateDataKey calls.
        long before = kms.generateDataKeyCalls();
        List<FileRecord> stored = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          stored.add(upload(files, ACME, i));
        }
        assertEquals(5, kms.generateDataKeyCalls() - before);
        assertTrue(stored.stream().allMatch(f -> f.wrappedKey().rootKeyId().equals(acme.rootKey())));
        FileRecord globexFile = upload(files, GLOBEX, 99);
        assertEquals(globex.rootKey(), globexFile.wrappedKey().rootKeyId());

        // Move acme to another key and rewrap: ReEncrypt inside the key server, rows under the new ARN.
        String next = kms.createKey();
        TenantRecord moved = tenants.setKey(OPERATOR, "acme", next);
        long reEncrypts = kms.calls("ReEncrypt");
        Rewrap.Summary done = new Rewrap(files, keys).run(OPERATOR, new Rewrap.Options("acme", false, 0), null);
        assertEquals(50, done.rewrapped());
        assertEquals(50, kms.calls("ReEncrypt") - reEncrypts);
        FileService fresh = FileService.builder().keyService(keys, "alias/envelope-files").blobStore(blobs)
            .metadataStore(rows).tenantStore(rows).build();
        for (int i = 0; i < stored.size(); i++) {
          FileRecord row = rows.get("acme", stored.get(i).id()).orElseThrow();
          assertEquals(moved.rootKey(), row.wrappedKey().rootKeyId());
          assertArrayEquals(content(i), download(fresh, ACME, row.id()));
        }

        // Shred acme: 410 from then on, its key disabled and pending deletion; --now is refused on AWS KMS.
        EnvelopeException now = assertThrows(EnvelopeException.class, () -> tenants.shred(OPERATOR, "acme", true));
        assertEquals(ErrorCode.INVALID_ARGUMENT, now.code());
        TenantAdmin.Shredded shred = tenants.shred(OPERATOR, "acme", false);
        assertTrue(shred.deletionDate().isPresent());
        assertEquals(KeyState.PENDING_DELETION,
            kms.client().describeKey(b -> b.keyId(moved.rootKey())).keyMetadata().keyState());
        EnvelopeException gone = assertThrows(EnvelopeException.class,
            () -> download(fresh, ACME, stored.get(0).id()));
        assertEquals(ErrorCode.TENANT_SHREDDED, gone.code());
        assertArrayEquals(content(99), download(fresh, GLOBEX, globexFile.id()));
        assertEquals(KeyState.ENABLED, kms.client().describeKey(b -> b.keyId(own)).keyMetadata().keyState());
        assertEquals(50, tenants.purge(OPERATOR, "acme").files());
        files.dataKeyCache().close();
      }
    }
  }

  private static FileRecord upload(FileService files, Principal who, int seed) throws EnvelopeException {
    byte[] data = content(seed);
    return files.upload(who, "f" + seed, null, new ByteArrayInputStream(data), data.length);
  }

  private static byte[] download(FileService files, Principal who, String id) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download d = files.download(who, id)) {
      d.writeTo(out);
    }
    return out.toByteArray();
  }

  private static byte[] content(int seed) {
    byte[] data = new byte[200 + seed];
    new Random(seed).nextBytes(data);
    return data;
  }
}
