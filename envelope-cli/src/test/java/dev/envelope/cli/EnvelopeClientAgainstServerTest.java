package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.ErrorCode;
import dev.envelope.client.EnvelopeClient;
import dev.envelope.client.EnvelopeClientException;
import dev.envelope.client.FileInfo;
import dev.envelope.client.TenantInfo;
import dev.envelope.client.NewToken;
import dev.envelope.client.TokenInfo;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.local.LocalStores;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EnvelopeClient}'s Java API against the real server: the client and the server agree on the API
 * (ranges, metadata, paging, token admin, problems). The server's segments are 4 KiB here, so ranges cross
 * segment boundaries cheaply.
 */
class EnvelopeClientAgainstServerTest {
  @TempDir
  static Path dir;

  private static RunningServer server;
  private static EnvelopeClient admin;

  @BeforeAll
  static void start() throws Exception {
    server = new RunningServer(dir.resolve("home"));
    String token;
    try (LocalStores stores = LocalStores.open(server.home)) {
      token = new AccessTokens(stores.tokens(), Clock.systemUTC()).create(Principal.localOperator(), "client-api",
          Role.OPERATOR, "t").token();
    }
    admin = EnvelopeClient.builder(URI.create(server.url())).token(token).build();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void tenantAdmin_createUploadShredPurge_andShreddedIs410ToItsClients() throws Exception {
    TenantInfo made = admin.createTenant("tenant-api", null);
    assertFalse(made.nodeKey());
    assertEquals("active", made.state());
    EnvelopeClient writer = clientFor(admin.createToken("tenant-api", "write", "w"));
    FileInfo file = writer.upload(new ByteArrayInputStream(new byte[] {1, 2, 3}), "f.bin", null);
    assertEquals(1, admin.describeTenant("tenant-api").files());
    assertEquals(ErrorCode.ALREADY_EXISTS,
        assertThrows(EnvelopeClientException.class, () -> admin.createTenant("tenant-api", null)).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT,
        assertThrows(EnvelopeClientException.class, () -> admin.createTenant("../tokens", null)).code());
    assertEquals(ErrorCode.FORBIDDEN,
        assertThrows(EnvelopeClientException.class, () -> writer.listTenants()).code());

    admin.shredTenant("tenant-api", true);
    EnvelopeClientException gone = assertThrows(EnvelopeClientException.class,
        () -> writer.download(file.id(), new ByteArrayOutputStream()));
    assertEquals(ErrorCode.TENANT_SHREDDED, gone.code());
    assertEquals(410, gone.status());
    assertEquals(1, admin.purgeTenant("tenant-api"));
    assertTrue(admin.listTenants().stream().anyMatch(t -> t.name().equals("tenant-api")
        && t.state().equals("shredded") && t.files() == 0));
  }

  @Test
  void rangesMatchTheSliceOfTheOriginal() throws Exception {
    byte[] data = new byte[50_000];
    new Random(5).nextBytes(data);
    FileInfo file = admin.upload(new ByteArrayInputStream(data), "r.bin", null);
    assertEquals(new FileInfo(file.id(), "r.bin", data.length, "application/octet-stream", file.createdAt(),
        Optional.of(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(data)))), admin.describe(file.id()));
    int[][] ranges = {{0, 1}, {data.length - 1, 1}, {4000, 200}, {4079, 10_000}, {0, data.length}};
    for (int[] r : ranges) {
      assertArrayEquals(Arrays.copyOfRange(data, r[0], r[0] + r[1]), admin.downloadRange(file.id(), r[0], r[1]),
          "bytes " + r[0] + "+" + r[1]);
    }
    assertArrayEquals(Arrays.copyOfRange(data, 49_990, data.length), admin.downloadRange(file.id(), 49_990, 100),
        "a range past the end is cut at the end");
    EnvelopeClientException past = assertThrows(EnvelopeClientException.class,
        () -> admin.downloadRange(file.id(), data.length, 1));
    assertEquals(ErrorCode.RANGE_NOT_SATISFIABLE, past.code());
    assertEquals(416, past.status());
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    assertEquals(data.length, admin.download(file.id(), whole));
    assertArrayEquals(data, whole.toByteArray());
  }

  @Test
  void listAllWalksEveryPageNewestFirst() throws Exception {
    EnvelopeClient writer = clientFor(admin.createToken("paging", "write", "p"));
    List<String> uploaded = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      uploaded.add(0, writer.upload(new ByteArrayInputStream(new byte[i]), "f" + i, "text/plain").id());
    }
    List<String> listed = new ArrayList<>();
    for (Iterator<FileInfo> it = writer.listAll(2); it.hasNext(); ) {
      listed.add(it.next().id());
    }
    assertEquals(uploaded, listed);
  }

  @Test
  void tokenAdminMakesListsAndRevokesTokens() throws Exception {
    NewToken made = admin.createToken("acme", "read", "reporting");
    assertTrue(made.token().startsWith("env1." + made.info().id() + "."), "the token's id is its public part");
    EnvelopeClient reader = clientFor(made);
    assertEquals(List.of(), reader.list(10, null).files());
    EnvelopeClientException forbidden = assertThrows(EnvelopeClientException.class,
        () -> reader.upload(new ByteArrayInputStream(new byte[1]), "x", null));
    assertEquals(ErrorCode.FORBIDDEN, forbidden.code());
    List<TokenInfo> acme = admin.listTokens("acme");
    assertEquals(List.of(made.info().id()), acme.stream().map(TokenInfo::id).toList());
    assertFalse(acme.get(0).revokedAt().isPresent());
    admin.revokeToken(made.info().id());
    assertTrue(admin.listTokens("acme").get(0).revokedAt().isPresent());
    EnvelopeClientException revoked = assertThrows(EnvelopeClientException.class, () -> reader.list(10, null));
    assertEquals(ErrorCode.UNAUTHENTICATED, revoked.code());
    assertFalse(revoked.getMessage().contains(made.token()));
    EnvelopeClientException notAdmin = assertThrows(EnvelopeClientException.class,
        () -> clientFor(admin.createToken("acme", "write", "w")).listTokens(null));
    assertEquals(ErrorCode.FORBIDDEN, notAdmin.code());
  }

  @Test
  void aMissingFileIsNotFoundAndTheServerIsReady() throws Exception {
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class,
        () -> admin.describe("aaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertEquals(404, e.status());
    admin.checkReady();
  }

  private static EnvelopeClient clientFor(NewToken token) {
    return EnvelopeClient.builder(URI.create(server.url())).token(token.token()).build();
  }
}
