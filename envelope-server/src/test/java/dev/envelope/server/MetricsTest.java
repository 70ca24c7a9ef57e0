package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} on a real server: known traffic, then exact counts and byte totals read back over HTTP.
 *
 * <p>The Prometheus Java client (1.x) writes the text format but has no parser for it, so the scrape is read by
 * {@link Scrape}, a small strict parser: every line is a {@code # HELP}, a {@code # TYPE} or a sample of a
 * family whose type came first, or the test fails.
 */
class MetricsTest {
  private static final int[] SIZES = {1_000, 5_000, 10_000};

  @Test
  void knownTrafficIsCountedExactly_byRouteTemplate_andNothingSecretIsInTheScrape() throws Exception {
    try (TestServer t = TestServer.configured(b -> b.metricsPort(0))) {
      Random random = new Random(15);
      List<String> ids = new ArrayList<>();
      List<byte[]> contents = new ArrayList<>();
      for (int size : SIZES) {
        byte[] content = new byte[size];
        random.nextBytes(content);
        contents.add(content);
        ids.add(RoundTripTest.upload(t, "f" + size + ".bin", content).get("id").asText());
      }
      for (int i = 0; i < 2; i++) {
        HttpResponse<byte[]> r = t.sendBytes(t.request("/v1/files/" + ids.get(i), t.reader).GET().build());
        assertEquals(200, r.statusCode());
        assertArrayEquals(contents.get(i), r.body());
      }
      String badToken = "env_not-a-real-token-" + Long.toHexString(random.nextLong());
      assertEquals(401, t.send(t.request("/v1/files", badToken).GET().build()).statusCode());
      String missing = ids.get(0).substring(0, ids.get(0).length() - 4) + "zzzz";
      assertEquals(404, t.send(t.request("/v1/files/" + missing, t.reader).GET().build()).statusCode());
      assertEquals(404, t.send(t.request("/no/such/route", t.reader).GET().build()).statusCode());

      // The request logger counts after the answer has gone out: wait (on the token-free listener, which counts
      // nothing itself) until the last request is in, then every number must be exact.
      Scrape s = awaitScrape(t, x -> x.value("envelope_http_requests_total",
          "method", "GET", "route", ServerMetrics.UNMATCHED, "status", "404") == 1
          && x.value("envelope_download_sent_bytes_total") == SIZES[0] + SIZES[1]);

      assertEquals(3, s.value("envelope_http_requests_total", "method", "POST", "route", "/v1/files", "status", "201"));
      assertEquals(2, s.value("envelope_http_requests_total", "method", "GET", "route", "/v1/files/{id}",
          "status", "200"));
      assertEquals(1, s.value("envelope_http_requests_total", "method", "GET", "route", "/v1/files/{id}",
          "status", "404"));
      assertEquals(1, s.value("envelope_http_requests_total", "method", "GET", "route", "/v1/files", "status", "401"));
      assertEquals(8, s.sum("envelope_http_requests_total"), "3 uploads, 2 downloads, 1 refusal, 2 misses");
      assertEquals(3, s.value("envelope_http_request_duration_seconds_count", "method", "POST", "route",
          "/v1/files", "status", "201"));
      assertEquals(3, s.value("envelope_http_request_duration_seconds_bucket", "le", "+Inf", "method", "POST",
          "route", "/v1/files", "status", "201"));
      assertEquals(8, s.sum("envelope_http_request_duration_seconds_count"));
      assertEquals(SIZES[0] + SIZES[1] + SIZES[2], s.value("envelope_upload_received_bytes_total"));
      assertEquals(SIZES[0] + SIZES[1], s.value("envelope_download_sent_bytes_total"));
      assertEquals(0, s.value("envelope_uploads_in_flight"));
      assertEquals(1, s.value("envelope_auth_failures_total", "reason", "unauthenticated"));
      assertEquals(0, s.value("envelope_auth_failures_total", "reason", "throttled"));
      assertEquals("histogram", s.types.get("envelope_http_request_duration_seconds"));
      assertEquals("gauge", s.types.get("envelope_uploads_in_flight"));

      // On the API's port: an operator only.
      assertEquals(401, t.send(t.request("/metrics", null).GET().build()).statusCode());
      for (String notOperator : List.of(t.reader, t.writer, t.admin)) {
        HttpResponse<String> refused = t.send(t.request("/metrics", notOperator).GET().build());
        assertEquals(403, refused.statusCode(), refused.body());
        assertFalse(refused.body().contains("envelope_http_requests"), refused.body());
      }
      HttpResponse<String> ok = t.send(t.request("/metrics", t.operator).GET().build());
      assertEquals(200, ok.statusCode(), ok.body());
      assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
          ok.headers().toString());
      Scrape api = Scrape.parse(ok.body());
      assertEquals(3, api.value("envelope_http_requests_total", "method", "POST", "route", "/v1/files",
          "status", "201"));

      Scrape after = awaitScrape(t, x -> x.value("envelope_http_requests_total", "method", "GET", "route",
          "/metrics", "status", "200") == 1);
      assertEquals(3, after.value("envelope_http_requests_total", "method", "GET", "route", "/metrics",
          "status", "403"));
      assertEquals(1, after.value("envelope_http_requests_total", "method", "GET", "route", "/metrics",
          "status", "401"));
      assertEquals(2, after.value("envelope_auth_failures_total", "reason", "unauthenticated"),
          "the bad token and the scrape without one");

      for (String text : List.of(ok.body(), after.text)) {
        for (String secret : List.of(t.operator, t.admin, t.writer, t.reader, badToken, missing, ids.get(0),
            ids.get(1), ids.get(2), "f1000.bin", "default", "127.0.0.1")) {
          assertFalse(text.contains(secret), "the scrape holds " + secret);
        }
      }
      Set<String> routes = after.labelValues("route");
      assertEquals(Set.of("/v1/files", "/v1/files/{id}", "/metrics", ServerMetrics.UNMATCHED), routes);
    }
  }

  @Test
  void theMetricsListenerIsOnLoopbackOnly_andServesOnlyMetrics_withoutAToken() throws Exception {
    try (TestServer t = TestServer.configured(b -> b.listen("0.0.0.0", 0).metricsPort(0))) {
      assertEquals("127.0.0.1", t.server.metricsHost(), "whatever the API's host");
      assertTrue(t.server.metricsPort() > 0 && t.server.metricsPort() != t.server.port());
      HttpResponse<String> r = t.send(HttpRequest.newBuilder(metrics(t, "/metrics")).GET().build());
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
      Scrape.parse(r.body());
      assertEquals(404, t.send(HttpRequest.newBuilder(metrics(t, "/v1/files")).header("Authorization",
          "Bearer " + t.operator).GET().build()).statusCode(), "the API is not on the metrics listener");
      assertEquals(404, t.send(HttpRequest.newBuilder(metrics(t, "/healthz")).GET().build()).statusCode());
    }
  }

  /** Hostile review: any method token used to become a label value, so a client without a token added series. */
  @Test
  void unknownMethods_areOneLabelValue_soNoClientCanAddSeries() throws Exception {
    try (TestServer t = TestServer.configured(b -> b.metricsPort(0))) {
      java.net.URI api = t.uri("/v1/files");
      for (int i = 0; i < 20; i++) {
        try (java.net.Socket socket = new java.net.Socket(api.getHost(), api.getPort())) {
          socket.setSoTimeout(20_000);
          socket.getOutputStream().write(("M" + i + "X".repeat(200) + " /v1/files HTTP/1.1\r\nHost: x\r\n"
              + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          assertTrue(answer.startsWith("HTTP/1.1 4"), answer);
        }
      }
      Scrape s = awaitScrape(t, x -> x.sum("envelope_http_requests_total") >= 20);
      assertFalse(s.text.contains("XXXX"), "no method token became a label value");
      java.util.Set<String> methods = new java.util.TreeSet<>();
      s.labelSets.forEach(labels -> {
        if (labels.containsKey("method")) {
          methods.add(labels.get("method"));
        }
      });
      assertEquals(java.util.Set.of("other"), methods, s.text);
      assertEquals(20, s.sum("envelope_http_requests_total"));
    }
  }

  @Test
  void withoutAMetricsPort_thereIsNoSecondListener() throws Exception {
    try (TestServer t = TestServer.start()) {
      assertEquals(-1, t.server.metricsPort());
    }
  }

  private static URI metrics(TestServer t, String path) {
    return URI.create("http://127.0.0.1:" + t.server.metricsPort() + path);
  }

  private static Scrape awaitScrape(TestServer t, Predicate<Scrape> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      HttpResponse<String> r = t.send(HttpRequest.newBuilder(metrics(t, "/metrics")).GET().build());
      assertEquals(200, r.statusCode(), r.body());
      Scrape s = Scrape.parse(r.body());
      if (done.test(s)) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        fail("the metrics never reached the expected state:\n" + r.body());
      }
      Thread.sleep(20);
    }
  }

  /** A strictly parsed scrape in the Prometheus text format (0.0.4). */
  static final class Scrape {
    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*");
    private static final Pattern TYPE = Pattern.compile(
        "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile(
        "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*)\\})?"
            + " (-?[0-9.eE+-]+|\\+Inf|-Inf|NaN)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\.)*)\"");

    final String text;
    final Map<String, String> types = new TreeMap<>();
    /** {@code name{k="v",...}} with the labels sorted by name, to its value. */
    final Map<String, Double> samples = new TreeMap<>();
    final List<Map<String, String>> labelSets = new ArrayList<>();

    private Scrape(String text) {
      this.text = text;
    }

    static Scrape parse(String text) {
      Scrape s = new Scrape(text);
      assertTrue(text.endsWith("\n"), "a scrape ends with a newline");
      for (String line : text.split("\n", -1)) {
        if (line.isEmpty()) {
          continue;
        }
        Matcher m;
        if ((m = TYPE.matcher(line)).matches()) {
          assertEquals(null, s.types.put(m.group(1), m.group(2)), "one TYPE per family: " + line);
        } else if (HELP.matcher(line).matches()) {
          continue;
        } else if ((m = SAMPLE.matcher(line)).matches()) {
          String name = m.group(1);
          assertTrue(s.types.containsKey(family(name, s.types)), "a sample of a family with no TYPE: " + line);
          Map<String, String> labels = new TreeMap<>();
          if (m.group(2) != null) {
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
              assertEquals(null, labels.put(l.group(1), l.group(2)), "a label twice: " + line);
            }
          }
          s.labelSets.add(labels);
          double value = Double.parseDouble(m.group(3).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
          assertEquals(null, s.samples.put(key(name, labels), value), "a sample twice: " + line);
        } else {
          fail("not a line of the Prometheus text format: " + line);
        }
      }
      return s;
    }

    private static String family(String sample, Map<String, String> types) {
      for (String suffix : List.of("_total", "_bucket", "_count", "_sum", "")) {
        if (sample.endsWith(suffix)) {
          String base = sample.substring(0, sample.length() - suffix.length());
          if (types.containsKey(base)) {
            return base;
          }
        }
      }
      return sample;
    }

    private static String key(String name, Map<String, String> labels) {
      StringBuilder b = new StringBuilder(name).append('{');
      labels.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
      return b.append('}').toString();
    }

    /** The sample {@code name} with exactly these labels (name, value, name, value...); 0 when absent. */
    double value(String name, String... labelPairs) {
      Map<String, String> labels = new TreeMap<>();
      for (int i = 0; i < labelPairs.length; i += 2) {
        labels.put(labelPairs[i], labelPairs[i + 1]);
      }
      return samples.getOrDefault(key(name, labels), 0.0);
    }

    /** The sum of every sample of {@code name}, whatever its labels. */
    double sum(String name) {
      return samples.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{"))
          .mapToDouble(Map.Entry::getValue).sum();
    }

    Set<String> labelValues(String label) {
      Set<String> values = new HashSet<>();
      for (Map<String, String> l : labelSets) {
        if (l.containsKey(label)) {
          values.add(l.get(label));
        }
      }
      return values;
    }
  }
}
