package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.service.Role;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fifty clients at once, over real connections, each uploading files of mixed sizes (empty, one byte, around
 * segment boundaries, up to 2 MB) and reading them back whole and in ranges, while the others do the same: every
 * byte must come back right, every file must land in its own tenant's list and nowhere else.
 */
class ConcurrentClientsTest {
  private static final int CLIENTS = 50;
  private static final int FILES_PER_CLIENT = 4;
  private static final int[] SIZES = {0, 1, TestServer.FIRST_SEGMENT_PLAINTEXT, TestServer.FIRST_SEGMENT_PLAINTEXT + 1,
      TestServer.SEGMENT, 65_536, 300_001, 2_000_000};
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Stored(String id, byte[] content) {}

  @Test
  void fiftyClientsUploadingAndDownloadingMixedSizes_getEveryByteBack() throws Exception {
    try (TestServer s = TestServer.start()) {
      List<String> tokens = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        // Five tenants, ten clients each: isolation is checked under load too.
        tokens.add(s.token("tenant-" + (c % 5), Role.WRITE));
      }
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      CyclicBarrier start = new CyclicBarrier(CLIENTS);
      List<Future<List<Stored>>> results = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        results.add(pool.submit(() -> {
          start.await();
          return runClient(s, tokens.get(client), new Random(client));
        }));
      }
      List<List<Stored>> byClient = new ArrayList<>();
      for (Future<List<Stored>> result : results) {
        byClient.add(result.get(5, TimeUnit.MINUTES));
      }
      pool.shutdown();

      for (int tenant = 0; tenant < 5; tenant++) {
        Set<String> expected = new HashSet<>();
        for (int c = tenant; c < CLIENTS; c += 5) {
          byClient.get(c).forEach(stored -> expected.add(stored.id()));
        }
        assertEquals(expected, listIds(s, tokens.get(tenant)), "tenant-" + tenant + " lists exactly its files");
      }
      // After everyone finished, read everything once more, by another client of the same tenant.
      for (int c = 0; c < CLIENTS; c++) {
        String otherClientSameTenant = tokens.get((c + 5) % CLIENTS);
        for (Stored stored : byClient.get(c)) {
          HttpResponse<byte[]> again = s.sendBytes(s.request("/v1/files/" + stored.id(), otherClientSameTenant)
              .GET().build());
          assertEquals(200, again.statusCode());
          assertArrayEquals(stored.content(), again.body());
        }
      }
    }
  }

  private static List<Stored> runClient(TestServer s, String token, Random random) throws Exception {
    List<Stored> stored = new ArrayList<>();
    for (int i = 0; i < FILES_PER_CLIENT; i++) {
      byte[] content = new byte[SIZES[random.nextInt(SIZES.length)]];
      random.nextBytes(content);
      HttpResponse<String> up = s.send(s.request("/v1/files?name=f" + i, token)
          .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build());
      assertEquals(201, up.statusCode(), up.body());
      String id = JSON.readTree(up.body()).get("id").asText();
      assertEquals(content.length, JSON.readTree(up.body()).get("size").asLong());
      stored.add(new Stored(id, content));

      HttpResponse<byte[]> down = s.sendBytes(s.request("/v1/files/" + id, token).GET().build());
      assertEquals(200, down.statusCode());
      assertArrayEquals(content, down.body(), "whole file " + id);
      if (content.length > 1) {
        int from = random.nextInt(content.length - 1);
        int to = from + random.nextInt(content.length - from);
        HttpResponse<byte[]> range = s.sendBytes(s.request("/v1/files/" + id, token)
            .header("Range", "bytes=" + from + "-" + to).GET().build());
        assertEquals(206, range.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(content, from, to + 1), range.body(),
            "bytes " + from + "-" + to + " of " + id);
      }
    }
    return stored;
  }

  private static Set<String> listIds(TestServer s, String token) throws Exception {
    Set<String> ids = new HashSet<>();
    String cursor = null;
    do {
      String path = "/v1/files?limit=7" + (cursor == null ? "" : "&cursor=" + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8));
      HttpResponse<String> page = s.send(s.request(path, token).GET().build());
      assertEquals(200, page.statusCode(), page.body());
      JsonNode body = JSON.readTree(page.body());
      body.get("files").forEach(f -> assertTrue(ids.add(f.get("id").asText()), "no file listed twice"));
      cursor = body.get("nextCursor").isNull() ? null : body.get("nextCursor").asText();
    } while (cursor != null);
    return ids;
  }
}
