package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.local.LocalStores;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The file service's dependencies in {@code /metrics} on a real server over the local keyring and stores: key
 * service calls by operation and outcome, with their latency, and store failures made by real outages.
 */
class DependencyMetricsTest {
  @Test
  void keyServiceCalls_areCountedByOperationAndOutcome_withTheirLatency() throws Exception {
    try (TestServer t = TestServer.start()) {
      String first = RoundTripTest.upload(t, "a.bin", RoundTripTest.random(3_000, 1)).get("id").asText();
      RoundTripTest.upload(t, "b.bin", RoundTripTest.random(9_000, 2));
      for (int i = 0; i < 3; i++) {
        assertEquals(200, t.sendBytes(t.request("/v1/files/" + first, t.reader).GET().build()).statusCode());
      }
      t.keyring.disableKey("envelope-files");
      HttpResponse<String> refused = upload(t, "c.bin", new byte[10]);
      assertEquals(ErrorCode.KEY_DISABLED.id(), problemCode(refused), refused.body());

      MetricsTest.Scrape s = scrape(t);
      assertEquals(2, s.value("envelope_key_calls_total", "operation", "generate_data_key", "outcome", "ok"));
      assertEquals(1, s.value("envelope_key_calls_total", "operation", "generate_data_key",
          "outcome", "key-disabled"));
      assertEquals(3, s.value("envelope_key_calls_total", "operation", "decrypt", "outcome", "ok"));
      assertEquals(0, s.value("envelope_key_calls_total", "operation", "re_encrypt", "outcome", "ok"));
      assertEquals(3, s.value("envelope_key_call_duration_seconds_count", "operation", "generate_data_key"));
      assertEquals(3, s.value("envelope_key_call_duration_seconds_bucket", "le", "+Inf",
          "operation", "generate_data_key"));
      assertEquals(3, s.value("envelope_key_call_duration_seconds_count", "operation", "decrypt"));
      assertTrue(s.value("envelope_key_call_duration_seconds_sum", "operation", "decrypt") > 0);
      assertEquals("histogram", s.types.get("envelope_key_call_duration_seconds"));
      assertEquals(0, s.sum("envelope_store_errors_total"));
    }
  }

  @Test
  void aBlobStoreOutage_isCountedAsBlobStoreErrors() throws Exception {
    try (TestServer t = TestServer.start()) {
      Path blobs = t.home.resolve(LocalStores.BLOBS);
      deleteTree(blobs);
      Files.writeString(blobs, "not a directory"); // the disk the blobs were on is gone

      HttpResponse<String> failed = upload(t, "a.bin", RoundTripTest.random(2_000, 3));
      assertEquals(503, failed.statusCode(), failed.body());

      MetricsTest.Scrape s = scrape(t);
      assertTrue(s.sum("envelope_store_errors_total") >= 1, s.text);
      assertEquals(java.util.Set.of("blob"), s.labelValues("store"), s.text);
    }
  }

  @Test
  void aMetadataStoreOutage_isCountedAsMetadataStoreErrors() throws Exception {
    try (TestServer t = TestServer.start()) {
      Principal writer = Principal.of("default", Role.WRITE);
      t.files.list(writer, null, 10); // works
      // SQLite keeps the pages it has read, so a file wrecked on disk goes unseen for a while: the store's own
      // connections are closed under the running service instead.
      t.metadata().close();

      EnvelopeException e = assertThrows(EnvelopeException.class, () -> t.files.list(writer, null, 10));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());

      MetricsTest.Scrape s = scrape(t);
      assertEquals(1, s.value("envelope_store_errors_total", "operation", "list", "store", "metadata"), s.text);
    }
  }

  private static HttpResponse<String> upload(TestServer t, String name, byte[] content) throws Exception {
    return t.send(t.request("/v1/files?name=" + name, t.writer)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(content)).build());
  }

  private static MetricsTest.Scrape scrape(TestServer t) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    t.metrics.write(out);
    return MetricsTest.Scrape.parse(out.toString(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String problemCode(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body()).path("code").asText();
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
