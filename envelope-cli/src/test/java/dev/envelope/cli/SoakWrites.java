package dev.envelope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The soak's writes: uploads (raw bodies, with a declared length or chunked) and deletes, each recorded in the
 * {@link SoakLedger} with what became of it.
 *
 * <p>Upload sizes: mostly small (a third under 4 KiB, 5% empty, most under 4 MiB), some over one S3 part (8 MiB:
 * multipart upload), and a few "huge" ones of 16 to 64 MiB, the first exactly 64 MiB: at most one at a time
 * and at most {@code hugeBudget} in all, so that the short run stays short. When the readable files pass
 * 1.5 GiB, uploads stay small, which bounds the disk a long run takes.
 */
final class SoakWrites {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = SoakLoad.MIB;
  private static final long LIVE_BYTES_CAP = 1536 * MIB;

  private final SoakApi api;
  private final SoakLedger ledger;
  private final AtomicInteger hugeLeft;
  private final AtomicBoolean hugeInFlight = new AtomicBoolean();
  private final AtomicBoolean firstHuge = new AtomicBoolean(true);

  SoakWrites(SoakApi api, int hugeBudget) {
    this.api = api;
    this.ledger = api.ledger;
    this.hugeLeft = new AtomicInteger(hugeBudget);
  }

  /** An upload of a size drawn as the class comment says; returns true when it failed as an outage may. */
  boolean upload(Random random, int node, String name, Consumer<String> doing) throws InterruptedException {
    long size = size(random);
    boolean huge = size >= 16 * MIB;
    try {
      doing.accept("upload " + name + " (" + size + " bytes) to node " + node);
      return upload(random, node, name, size, random.nextInt(5) == 0) == null;
    } finally {
      if (huge) {
        hugeInFlight.set(false);
      }
    }
  }

  /** One upload attempt; returns it when acknowledged, null otherwise. */
  SoakLedger.Upload upload(Random random, int node, String name, long size, boolean chunked)
      throws InterruptedException {
    SoakLedger.Upload u = ledger.begin(name, new SoakContent(random.nextLong(), size));
    HttpRequest.BodyPublisher body;
    if (chunked) {
      body = HttpRequest.BodyPublishers.ofInputStream(u.content::stream);
    } else if (size == 0) {
      body = HttpRequest.BodyPublishers.noBody();
    } else {
      body = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(u.content::stream),
          size);
    }
    String path = "/v1/files?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    String what = "POST " + path + " (" + size + " bytes" + (chunked ? ", chunked" : "") + ") on node " + node;
    long sent = System.nanoTime();
    try {
      HttpResponse<String> r = api.http.send(api.request(node, path).header("Content-Type", "application/octet-stream")
          .POST(body).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 201) {
        JsonNode file = JSON.readTree(r.body());
        if (file.get("size").asLong() != size || !file.get("name").asText().equals(name)) {
          ledger.finding("upload answered another size or name: " + what + " -> " + r.body());
        }
        ledger.acknowledged(u, file.get("id").asText());
        ledger.count("upload", "201");
        return u;
      }
      u.state = SoakLedger.State.FAILED;
      ledger.answered("upload", node, sent, what, r.statusCode(), r.headers(), r.body());
      return null;
    } catch (IOException e) {
      u.state = SoakLedger.State.FAILED;
      ledger.unanswered("upload", node, sent, what, e);
      return null;
    }
  }

  /**
   * Deletes an acknowledged upload (never the kept one): 204 makes it deleted (it must answer 404 from then on);
   * no clear answer leaves it uncertain (gone or whole at the end, nothing in between).
   */
  boolean delete(Random random, int node, Consumer<String> doing) throws InterruptedException {
    SoakLedger.Upload u = ledger.claimForDelete(random);
    if (u == null) {
      return false;
    }
    String what = "DELETE /v1/files/" + u.id + " on node " + node + " (" + u + ")";
    doing.accept(what);
    long sent = System.nanoTime();
    try {
      HttpResponse<String> r = api.http.send(api.request(node, "/v1/files/" + u.id).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 204) {
        u.deletedAt = System.nanoTime();
        u.state = SoakLedger.State.DELETED;
        ledger.count("delete", "204");
        return false;
      }
      u.state = SoakLedger.State.DELETE_UNCERTAIN;
      return ledger.answered("delete", node, sent, what, r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      u.state = SoakLedger.State.DELETE_UNCERTAIN;
      return ledger.unanswered("delete", node, sent, what, e);
    }
  }

  private long size(Random random) {
    int p = random.nextInt(100);
    if (ledger.readableBytes() > LIVE_BYTES_CAP && p >= 65) {
      p = random.nextInt(65);
    }
    if (p < 5) {
      return 0;
    } else if (p < 35) {
      return 1 + random.nextInt(4096);
    } else if (p < 65) {
      return 4096 + random.nextInt(256 * 1024);
    } else if (p < 85) {
      return 256 * 1024 + random.nextInt((int) (4 * MIB));
    } else if (p < 97 || hugeLeft.get() <= 0 || !hugeInFlight.compareAndSet(false, true)) {
      return 4 * MIB + random.nextInt((int) (8 * MIB));
    }
    if (hugeLeft.getAndDecrement() <= 0) {
      hugeInFlight.set(false);
      return 4 * MIB + random.nextInt((int) (8 * MIB));
    }
    return firstHuge.getAndSet(false) ? 64 * MIB : 16 * MIB + (long) (random.nextDouble() * 48 * MIB);
  }

  /** A unique name; some with spaces and non-ASCII letters (names are data, never paths). */
  static String name(Random random, int worker, int n) {
    return switch (random.nextInt(4)) {
      case 0 -> "w" + worker + "-" + n + " résumé (draft).pdf";
      case 1 -> "reports/2026/w" + worker + "-" + n + ".csv";
      default -> "w" + worker + "-" + n + ".bin";
    };
  }
}
