package dev.envelope.service;

import static dev.envelope.service.ServiceFixture.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-tenant quotas over the real local keyring and stores: what passes, what is refused, and what is kept. */
class QuotaTest {
  private static final Principal OPERATOR = Principal.localOperator();
  private static final Principal ACME = Principal.of("acme", Role.WRITE);
  private static final Principal GLOBEX = Principal.of("globex", Role.WRITE);

  @TempDir
  Path home;
  private ServiceFixture fx;
  private TenantAdmin tenants;

  @BeforeEach
  void start() throws Exception {
    fx = new ServiceFixture(home);
    tenants = new TenantAdmin(fx.service, fx.stores.tokens(), fx.keyring);
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  @Test
  void uploadsFillTheQuotaExactly_thenTheNextIsRefused_andADeleteMakesRoom() throws Exception {
    tenants.setQuota(OPERATOR, "acme", 10_000L);
    FileRecord a = upload(ACME, 6_000, -1);
    FileRecord b = upload(ACME, 4_000, 4_000);
    assertQuotaExceeded(() -> upload(ACME, 1, 1));
    assertQuotaExceeded(() -> upload(ACME, 1, -1));
    assertEquals(new FileService.Usage(2, 10_000, Optional.of(10_000L)), fx.service.usage(ACME));
    upload(ACME, 0, -1); // an empty file takes no room
    upload(GLOBEX, 50_000, -1); // another tenant has no quota

    fx.service.delete(ACME, a.id());
    upload(ACME, 6_000, 6_000);
    assertArrayEquals(random(4_000, 4_000), fx.download(ACME, b.id()), "what was stored reads as ever");
  }

  @Test
  void aDeclaredSizePastTheRoom_isRefusedBeforeAByteIsRead() throws Exception {
    tenants.setQuota(OPERATOR, "acme", 1_000L);
    InputStream untouchable = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new AssertionError("the body was read");
      }
    };
    assertQuotaExceeded(() -> fx.service.upload(ACME, "big", null, untouchable, 1_001));
    assertEquals(0, blobs(), "nothing was stored");
  }

  @Test
  void anUploadOfUnknownSize_stopsWhenItPassesTheRoom_andLeavesNothing() throws Exception {
    tenants.setQuota(OPERATOR, "acme", 100_000L);
    long[] read = {0};
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        read[0]++;
        return 'x';
      }

      @Override
      public int read(byte[] b, int off, int len) {
        java.util.Arrays.fill(b, off, off + len, (byte) 'x');
        read[0] += len;
        return len;
      }
    };
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> fx.service.upload(ACME, "endless", null, endless));
    assertEquals(ErrorCode.QUOTA_EXCEEDED, e.code(), e.getMessage());
    assertTrue(read[0] < 1_000_000, "it stopped near the room left, not at the upload limit: " + read[0]);
    assertEquals(0, blobs(), "no blob is left");
    assertEquals(0, fx.service.usage(ACME).files());
  }

  @Test
  void aLoweredQuota_keepsWhatIsStored_andNoneLiftsIt() throws Exception {
    upload(ACME, 5_000, -1);
    TenantRecord set = tenants.setQuota(OPERATOR, "acme", 1_000L);
    assertFalse(set.ownKey(), "a tenant without a record keeps the node's key");
    assertEquals(fx.service.nodeRootKey(), fx.keyring.describeKey(set.rootKey()).id());
    assertEquals(1, fx.service.usage(ACME).files());
    assertQuotaExceeded(() -> upload(ACME, 0, 0)); // already past it: not even an empty file
    tenants.setQuota(OPERATOR, "acme", null);
    assertEquals(Optional.empty(), fx.service.usage(ACME).quotaBytes());
    upload(ACME, 5_000, -1);
  }

  @Test
  void aQuotaSurvivesAKeyChange_andOnlyTheOperatorSetsIt() throws Exception {
    tenants.setQuota(OPERATOR, "acme", 2_000L);
    String own = fx.keyring.createKey("acme's own").id();
    tenants.setKey(OPERATOR, "acme", own);
    assertEquals(2_000L, fx.stores.metadata().findTenant("acme").orElseThrow().quotaBytes());
    for (Principal notOperator : new Principal[] {ACME, Principal.of("acme", Role.ADMIN)}) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> tenants.setQuota(notOperator, "acme", null));
      assertEquals(ErrorCode.FORBIDDEN, e.code());
    }
    EnvelopeException negative = assertThrows(EnvelopeException.class,
        () -> tenants.setQuota(OPERATOR, "acme", -1L));
    assertEquals(ErrorCode.INVALID_ARGUMENT, negative.code());
    assertEquals(2_000L, fx.service.usage(ACME).quotaBytes().orElseThrow());
  }

  private FileRecord upload(Principal who, int size, long declared) throws EnvelopeException {
    return fx.service.upload(who, "f.bin", null, new ByteArrayInputStream(random(size, size)), declared);
  }

  private static void assertQuotaExceeded(org.junit.jupiter.api.function.Executable upload) {
    EnvelopeException e = assertThrows(EnvelopeException.class, upload);
    assertEquals(ErrorCode.QUOTA_EXCEEDED, e.code(), e.getMessage());
  }

  private long blobs() throws IOException {
    try (Stream<Path> all = Files.walk(home)) {
      return all.filter(p -> p.toString().contains("blobs") && Files.isRegularFile(p)).count();
    }
  }
}
