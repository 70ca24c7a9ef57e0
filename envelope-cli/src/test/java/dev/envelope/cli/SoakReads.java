package dev.envelope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The soak's reads, each checked against what was acknowledged: a whole download (SHA-256 of the stream), a
 * range (the exact slice and {@code Content-Range}; sometimes a suffix range, sometimes one past the end, which
 * must be 416), the metadata or {@code HEAD} (the size), and up to three pages of the listing (every file traces
 * back to an upload of this soak, with its size, and none deleted before the listing began). Each returns true
 * when it met an expected failure (an outage), after which its worker backs off.
 */
final class SoakReads {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = SoakLoad.MIB;

  private final SoakApi api;
  private final SoakLedger ledger;

  SoakReads(SoakApi api) {
    this.api = api;
    this.ledger = api.ledger;
  }

  boolean download(Random random, int node, Consumer<String> doing) throws IOException, InterruptedException {
    SoakLedger.Upload u = ledger.pickReadable(random);
    if (u == null) {
      return false;
    }
    String what = "GET /v1/files/" + u.id + " on node " + node + " (" + u + ")";
    doing.accept(what);
    long sent = System.nanoTime();
    HttpResponse<InputStream> r;
    try {
      r = api.http.send(api.request(node, "/v1/files/" + u.id).build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      return ledger.unanswered("download", node, sent, what, e);
    }
    if (r.statusCode() != 200) {
      String body = SoakApi.drain(r.body());
      return api.notFoundIfDeleted("download", u, r.statusCode()) || ledger.answered("download", node, sent, what,
          r.statusCode(), r.headers(), body);
    }
    MessageDigest digest = SoakContent.newSha256();
    long length = 0;
    try (InputStream in = r.body()) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
        length += n;
      }
    } catch (IOException e) {
      if (u.state != SoakLedger.State.ACKED) {
        ledger.count("download", "cut: deleted meanwhile");
        return false;
      }
      return ledger.unanswered("download", node, sent, what + " after " + length + " bytes", e);
    }
    if (length != u.content.size() || !Arrays.equals(digest.digest(), u.sha256())) {
      ledger.finding("download differs from what was acknowledged (" + length + " bytes): " + what);
    }
    ledger.count("download", "200");
    return false;
  }

  boolean range(Random random, int node, Consumer<String> doing) throws IOException, InterruptedException {
    SoakLedger.Upload u = ledger.pickReadable(random);
    if (u == null) {
      return false;
    }
    long size = u.content.size();
    long first;
    long last;
    String header;
    int kind = random.nextInt(10);
    if (size == 0 || kind == 0) {
      first = size + random.nextInt(1000);
      last = first + random.nextInt(1000);
      header = "bytes=" + first + "-" + last;
    } else if (kind == 1) {
      long suffix = 1 + (long) (random.nextDouble() * Math.min(size, MIB));
      first = size - suffix;
      last = size - 1;
      header = "bytes=-" + suffix;
    } else {
      first = (long) (random.nextDouble() * size);
      last = Math.min(size - 1, first + (long) (random.nextDouble() * MIB));
      header = "bytes=" + first + "-" + last;
    }
    boolean satisfiable = first < size;
    String what = "GET /v1/files/" + u.id + " Range: " + header + " on node " + node + " (" + u + ")";
    doing.accept(what);
    long sent = System.nanoTime();
    HttpResponse<byte[]> r;
    try {
      r = api.http.send(api.request(node, "/v1/files/" + u.id).header("Range", header).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      if (u.state != SoakLedger.State.ACKED) {
        ledger.count("range", "cut: deleted meanwhile");
        return false;
      }
      return ledger.unanswered("range", node, sent, what, e);
    }
    int expected = satisfiable ? 206 : 416;
    if (r.statusCode() != expected) {
      String body = new String(r.body(), StandardCharsets.UTF_8);
      return api.notFoundIfDeleted("range", u, r.statusCode()) || ledger.answered("range", node, sent, what,
          r.statusCode(), r.headers(), body);
    }
    if (satisfiable) {
      String contentRange = "bytes " + first + "-" + last + "/" + size;
      if (!contentRange.equals(r.headers().firstValue("Content-Range").orElse(null))
          || !Arrays.equals(u.content.slice(first, (int) (last - first + 1)), r.body())) {
        ledger.finding("range read differs from what was acknowledged: " + what + " -> "
            + r.headers().firstValue("Content-Range").orElse("no Content-Range") + ", " + r.body().length + " bytes");
      }
    }
    ledger.count("range", String.valueOf(expected));
    return false;
  }

  boolean describe(Random random, int node, Consumer<String> doing) throws IOException, InterruptedException {
    SoakLedger.Upload u = ledger.pickReadable(random);
    if (u == null) {
      return false;
    }
    boolean head = random.nextBoolean();
    String op = head ? "head" : "metadata";
    String path = "/v1/files/" + u.id + (head ? "" : "/metadata");
    String what = (head ? "HEAD " : "GET ") + path + " on node " + node + " (" + u + ")";
    doing.accept(what);
    long sent = System.nanoTime();
    HttpResponse<String> r;
    try {
      HttpRequest.Builder b = api.request(node, path);
      r = api.http.send(head ? b.method("HEAD", HttpRequest.BodyPublishers.noBody()).build() : b.build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return ledger.unanswered(op, node, sent, what, e);
    }
    if (r.statusCode() != 200) {
      return api.notFoundIfDeleted(op, u, r.statusCode()) || ledger.answered(op, node, sent, what, r.statusCode(),
          r.headers(), r.body());
    }
    long size = head ? r.headers().firstValueAsLong("Content-Length").orElse(-1)
        : JSON.readTree(r.body()).get("size").asLong();
    if (size != u.content.size()) {
      ledger.finding(op + " says " + size + " bytes: " + what);
    }
    ledger.count(op, "200");
    return false;
  }

  boolean list(Random random, int node, Consumer<String> doing) throws IOException, InterruptedException {
    int limit = 1 + random.nextInt(100);
    String cursor = null;
    for (int page = 0; page < 3; page++) {
      String path = "/v1/files?limit=" + limit
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      String what = "GET " + path + " on node " + node;
      doing.accept(what);
      long sent = System.nanoTime();
      HttpResponse<String> r;
      try {
        r = api.http.send(api.request(node, path).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        return ledger.unanswered("list", node, sent, what, e);
      }
      if (r.statusCode() != 200) {
        return ledger.answered("list", node, sent, what, r.statusCode(), r.headers(), r.body());
      }
      JsonNode answer = JSON.readTree(r.body());
      for (JsonNode file : answer.get("files")) {
        checkListed(file, sent, what);
      }
      ledger.count("list", "200");
      if (answer.get("nextCursor").isNull()) {
        return false;
      }
      cursor = answer.get("nextCursor").asText();
    }
    return false;
  }

  /** A listed file was uploaded by this soak, with that size, and was not deleted before the listing began. */
  private void checkListed(JsonNode file, long listedAt, String what) {
    String name = file.get("name").asText();
    String id = file.get("id").asText();
    SoakLedger.Upload u = ledger.byName(name);
    if (u == null || u.state == SoakLedger.State.SLOW) {
      ledger.finding("listed a file no upload of this soak made whole: " + file + " in " + what);
    } else if (u.content.size() != file.get("size").asLong()) {
      ledger.finding("listed with another size than was sent: " + file + " for " + u);
    } else if (u.id != null && !u.id.equals(id)) {
      ledger.finding("listed under another id than acknowledged: " + file + " for " + u);
    } else if (u.state == SoakLedger.State.DELETED && u.deletedAt < listedAt) {
      ledger.finding("listed after its delete was acknowledged: " + file + " in " + what);
    }
  }
}
