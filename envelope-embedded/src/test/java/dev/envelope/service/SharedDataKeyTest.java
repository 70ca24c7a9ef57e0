package dev.envelope.service;

import static dev.envelope.service.ServiceFixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.KeyService;
import dev.envelope.core.WrappedKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The data-key cache in the file service: format 2 rows over the real keyring and the real local stores. */
class SharedDataKeyTest {
  private static final Principal ACME = Principal.of("acme", Role.WRITE);

  @TempDir
  Path home;
  private ServiceFixture fx;
  private CountingKeys keys;
  private FileService cached;

  @BeforeEach
  void start() throws Exception {
    fx = new ServiceFixture(home);
    keys = new CountingKeys(fx.keyring);
    cached = service("5m,100,1G");
  }

  @AfterEach
  void stop() {
    cached.dataKeyCache().close();
    fx.close();
  }

  private FileService service(String limits) {
    return FileService.builder().keyService(keys, fx.rootKey).blobStore(fx.stores.blobs())
        .metadataStore(fx.stores.metadata()).tenantStore(fx.stores.metadata()).clock(fx.clock)
        .segmentSize(ServiceFixture.SEGMENT)
        .dataKeyCache(limits == null ? null : DataKeyCache.Limits.parse(limits)).build();
  }

  private FileRecord upload(FileService service, String name, byte[] data, long declared) throws EnvelopeException {
    return service.upload(ACME, name, "text/plain", new ByteArrayInputStream(data), declared);
  }

  private byte[] download(FileService service, String id) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download d = service.download(ACME, id)) {
      d.writeTo(out);
    }
    return out.toByteArray();
  }

  @Test
  void smallUploadsShareKeysWithinTheLimits_andCallTheKeyServiceOncePerKey() throws Exception {
    List<FileRecord> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      byte[] data = random(4096, i);
      rows.add(upload(cached, "f" + i, data, data.length));
    }
    assertEquals(3, keys.generated.get(), "300 uploads, 100 per key");
    assertTrue(rows.stream().allMatch(r -> r.formatVersion() == FileRecord.FORMAT_SHARED_KEY));
    assertEquals(rows.get(0).wrappedKey(), rows.get(99).wrappedKey());
    assertNotEquals(rows.get(99).wrappedKey(), rows.get(100).wrappedKey());
    for (int i = 0; i < rows.size(); i++) {
      assertArrayEquals(random(4096, i), download(cached, rows.get(i).id()), "file " + i);
    }
    assertEquals(0, keys.decrypted.get(), "this node's cached keys serve its downloads");

    FileService restarted = service(null);
    for (int i = 0; i < rows.size(); i += 37) {
      assertArrayEquals(random(4096, i), download(restarted, rows.get(i).id()), "file " + i + " after a restart");
    }
    assertTrue(keys.decrypted.get() > 0);
  }

  @Test
  void withoutTheCacheOrADeclaredSize_everyUploadGetsItsOwnKey() throws Exception {
    FileService plain = service(null);
    for (int i = 0; i < 20; i++) {
      byte[] data = random(100, i);
      assertEquals(FileRecord.FORMAT_VERSION, upload(plain, "p" + i, data, data.length).formatVersion());
      assertEquals(FileRecord.FORMAT_VERSION, upload(cached, "u" + i, data, -1).formatVersion());
    }
    assertEquals(40, keys.generated.get());
  }

  @Test
  void anUploadLargerThanTheByteLimit_getsItsOwnKey() throws Exception {
    FileService small = service("5m,100,1K");
    try {
      assertEquals(FileRecord.FORMAT_SHARED_KEY, upload(small, "a", random(1024, 1), 1024).formatVersion());
      assertEquals(FileRecord.FORMAT_VERSION, upload(small, "b", random(1025, 2), 1025).formatVersion());
    } finally {
      small.dataKeyCache().close();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {99, 101})
  void aBodyOfAnotherSizeThanDeclared_failsAndLeavesNothing(int actual) throws Exception {
    for (FileService service : List.of(cached, service(null))) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> upload(service, "x", random(actual, 1), 100));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e.getMessage());
    }
    assertEquals(0, fx.rowCount());
    assertEquals(List.of(), fx.everyBlobFile());
  }

  @ParameterizedTest
  @ValueSource(strings = {"name", "content_type", "created_at", "size", "wrapped_key"})
  void swappingAnyColumnButTheIdBetweenTwoRows_failsBothDownloads(String column) throws Exception {
    FileRecord a = upload(cached, "a.txt", random(5000, 1), 5000);
    fx.clock.advance(java.time.Duration.ofMillis(5));
    FileRecord b;
    if (column.equals("wrapped_key")) {
      FileService other = service("5m,100,1G"); // another cache: another shared key
      b = other.upload(ACME, "b.txt", "text/csv", new ByteArrayInputStream(random(5000, 2)), 5000);
      other.dataKeyCache().close();
      assertNotEquals(a.wrappedKey(), b.wrappedKey());
    } else {
      b = cached.upload(ACME, "b.txt", "text/csv", new ByteArrayInputStream(random(6000, 2)), 6000);
      assertEquals(a.wrappedKey(), b.wrappedKey(), "the two rows share a data key");
    }
    swap(column, a.id(), b.id());
    for (FileService service : List.of(cached, service(null))) {
      for (String id : List.of(a.id(), b.id())) {
        Exception e = assertThrows(Exception.class, () -> download(service, id), column + " " + id);
        // Refused before the first byte (the blob's length, the wrapped key), or at the first segment's tag.
        assertTrue(e instanceof dev.envelope.core.InvalidCiphertextException
            || e instanceof EnvelopeException ee && (ee.code() == ErrorCode.INVALID_CIPHERTEXT
                || ee.code() == ErrorCode.INVALID_WRAPPED_KEY), e.toString());
      }
    }
    swap(column, a.id(), b.id()); // back: both read again
    assertArrayEquals(random(5000, 1), download(cached, a.id()));
  }

  @Test
  void rewrap_movesSharedKeyRowsToo() throws Exception {
    List<FileRecord> rows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rows.add(upload(cached, "f" + i, random(100, i), 100));
    }
    fx.keyring.rotateKey(fx.rootKey);
    Rewrap.Summary done = new Rewrap(cached, fx.keyring).run(Principal.localOperator(),
        new Rewrap.Options(null, false, 0), null);
    assertEquals(5, done.rewrapped());
    fx.keyring.destroyKeyVersion(fx.rootKey, 1);
    FileService fresh = service(null);
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(random(100, i), download(fresh, rows.get(i).id()));
    }
  }

  private void swap(String column, String a, String b) throws Exception {
    try (Connection c = fx.sql()) {
      c.setAutoCommit(false);
      String sql = "UPDATE files SET " + column + " = (SELECT " + column + " FROM files WHERE id = ?)"
          + (column.equals("wrapped_key") ? ", root_key_version = (SELECT root_key_version FROM files WHERE id = ?)"
              : "") + " WHERE id = ?";
      Object va = value(c, column, a);
      Object vb = value(c, column, b);
      set(c, column, a, vb);
      set(c, column, b, va);
      c.commit();
    }
  }

  private static Object value(Connection c, String column, String id) throws Exception {
    try (PreparedStatement s = c.prepareStatement("SELECT " + column + " FROM files WHERE id = ?")) {
      s.setString(1, id);
      try (var rows = s.executeQuery()) {
        rows.next();
        return rows.getObject(1);
      }
    }
  }

  private static void set(Connection c, String column, String id, Object value) throws Exception {
    try (PreparedStatement s = c.prepareStatement("UPDATE files SET " + column + " = ? WHERE id = ?")) {
      s.setObject(1, value);
      s.setString(2, id);
      assertEquals(1, s.executeUpdate());
    }
  }

  /** The keyring, counting the calls that reach it. */
  /**
   * Crypto-shredding destroys a tenant's root key; the plaintext data keys this node cached for the tenant (for up
   * to the cache's age, a day at most) must not outlive it in memory: they would decrypt its files from a backup.
   */
  @Test
  void shreddingATenant_dropsItsDataKeysFromTheCache_andKeepsTheOthers() throws Exception {
    TenantAdmin admin = new TenantAdmin(cached, fx.stores.tokens(), fx.keyring);
    admin.create(Principal.localOperator(), "acme", null);
    byte[] data = random(100, 1);
    FileRecord a = upload(cached, "a", data, data.length);
    cached.upload(Principal.of("globex", Role.WRITE), "g", "text/plain", new ByteArrayInputStream(data),
        data.length);
    assertArrayEquals(data, download(cached, a.id()));
    assertEquals(2, cached.dataKeyCache().size());

    admin.shred(Principal.localOperator(), "acme", true);
    assertEquals(1, cached.dataKeyCache().size(), "the shredded tenant's data key is still cached");
  }

  private static final class CountingKeys implements KeyService {
    final KeyService inner;
    final AtomicInteger generated = new AtomicInteger();
    final AtomicInteger decrypted = new AtomicInteger();

    CountingKeys(KeyService inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
      generated.incrementAndGet();
      return inner.generateDataKey(rootKey, context);
    }

    @Override
    public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
      decrypted.incrementAndGet();
      return inner.decrypt(wrapped, context);
    }

    @Override
    public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
        throws EnvelopeException {
      return inner.reEncrypt(wrapped, context, newRootKey);
    }
  }
}
