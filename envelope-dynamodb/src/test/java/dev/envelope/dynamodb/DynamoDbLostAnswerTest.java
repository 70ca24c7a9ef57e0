package dev.envelope.dynamodb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.WrappedKey;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.local.DirectoryBlobStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conditional PutItem that DynamoDB carried out but whose answer was lost on the way back: the SDK retries,
 * and the retry meets its own row ({@code ConditionalCheckFailedException}). That must not read as "the id is
 * taken": the file service would then delete the blob of a row that is in the table.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DynamoDbLostAnswerTest {
  private static final Instant T0 = Instant.parse("2026-07-08T09:10:11.012Z");
  private static final AtomicInteger TABLES = new AtomicInteger();
  @TempDir
  static Path data;
  @TempDir
  Path home;
  private static DynaliteFixture dynalite;
  private LostAnswerProxy proxy;
  private DynamoDbMetadataStore store;

  @BeforeAll
  static void startDynalite() {
    dynalite = DynaliteFixture.start(data.resolve("dynalite"));
  }

  @AfterAll
  static void stopDynalite() {
    dynalite.close();
  }

  @BeforeEach
  void open() throws Exception {
    String table = "lost-answer-" + TABLES.incrementAndGet();
    DynamoDbMetadataStore.createTable(dynalite.config(table));
    proxy = LostAnswerProxy.start(dynalite.endpoint());
    store = DynamoDbMetadataStore.open(DynamoDbConfig.builder().tableName(table).endpoint(proxy.endpoint())
        .region(dynalite.region()).credentials(dynalite.credentials()).build());
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    proxy.close();
  }

  @Test
  void insertWhoseAnswerWasLost_succeedsOnTheRetry() throws EnvelopeException {
    FileRecord file = new FileRecord("f1", "acme", "report.pdf", "application/pdf", 42, T0, "local",
        WrappedKey.of("root", 1, "wrapped".getBytes(StandardCharsets.UTF_8)), FileRecord.FORMAT_VERSION, 65536);
    proxy.dropAnswers("DynamoDB_20120810.PutItem", 1);

    store.insert(file);

    assertEquals(1, proxy.dropped(), "the first answer was lost");
    assertEquals(Optional.of(file), store.get("acme", "f1"));
  }

  @Test
  void tokenWhoseAnswerWasLost_succeedsOnTheRetry() throws EnvelopeException {
    TokenRecord token = new TokenRecord("t1", "acme", Role.WRITE, "ci", new byte[32], T0, Optional.empty());
    proxy.dropAnswers("DynamoDB_20120810.PutItem", 1);

    store.insertToken(token);

    assertEquals(1, proxy.dropped());
    assertEquals(Optional.of(token).map(TokenRecord::id), store.findToken("t1").map(TokenRecord::id));
  }

  @Test
  void rewrapWhoseAnswerWasLost_succeedsOnTheRetry() throws EnvelopeException {
    FileRecord file = new FileRecord("f1", "acme", "report.pdf", "application/pdf", 42, T0, "local",
        WrappedKey.of("root", 1, "wrapped".getBytes(StandardCharsets.UTF_8)), FileRecord.FORMAT_VERSION, 65536);
    store.insert(file);
    WrappedKey next = WrappedKey.of("root", 2, "rewrapped".getBytes(StandardCharsets.UTF_8));
    proxy.dropAnswers("DynamoDB_20120810.UpdateItem", 1);

    assertTrue(store.replaceWrappedKey(file, "local", next), "the retry met the first attempt's own write");

    assertEquals(1, proxy.dropped());
    assertEquals(next, store.get("acme", "f1").orElseThrow().wrappedKey());
    assertFalse(store.replaceWrappedKey(file, "local", WrappedKey.of("root", 3, new byte[] {3})),
        "a stale rewrap still loses");
  }

  @Test
  void tenantWhoseAnswersWereLost_isInsertedAndReplacedOnTheRetries() throws EnvelopeException {
    TenantRecord acme = new TenantRecord("acme", "root-1", "local", true, TenantRecord.State.ACTIVE, T0, T0);
    proxy.dropAnswers("DynamoDB_20120810.PutItem", 1);
    store.insertTenant(acme);
    assertEquals(1, proxy.dropped());

    TenantRecord moved = acme.withRootKey("root-2", true, T0.plusSeconds(1));
    proxy.dropAnswers("DynamoDB_20120810.PutItem", 1);
    assertTrue(store.replaceTenant(acme, moved));
    assertEquals(2, proxy.dropped());
    assertEquals(Optional.of(moved), store.findTenant("acme"));
    assertFalse(store.replaceTenant(acme, acme.withState(TenantRecord.State.SHREDDED, T0.plusSeconds(2))));
  }

  @Test
  void uploadWhoseRowAnswerWasLost_isAcknowledgedAndReadable() throws Exception {
    ManagedKeyService keyring = Keyrings.open(home.resolve("keys"), Keyrings.newMasterKeyBase64());
    String root = keyring.createKey("files").id();
    try (DirectoryBlobStore blobs = DirectoryBlobStore.open(home.resolve("blobs"))) {
      FileService service = FileService.builder().keyService(keyring, root).blobStore(blobs).metadataStore(store)
          .build();
      Principal writer = Principal.of("acme", Role.ADMIN);
      byte[] content = "the row made it, its first answer did not".getBytes(StandardCharsets.UTF_8);
      proxy.dropAnswers("DynamoDB_20120810.PutItem", 1);

      FileRecord row = service.upload(writer, "f.txt", null, new ByteArrayInputStream(content));

      assertEquals(1, proxy.dropped());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (Download d = service.download(writer, row.id())) {
        d.writeTo(out);
      }
      assertArrayEquals(content, out.toByteArray());
    }
  }
}
