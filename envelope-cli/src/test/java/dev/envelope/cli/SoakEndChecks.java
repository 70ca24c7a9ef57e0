package dev.envelope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.awskms.AwsKmsKeyService;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.postgres.PostgresMetadataStore;
import dev.envelope.s3.S3BlobStore;
import dev.envelope.service.FileService;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What the soak proves once the chaos has stopped and every server is back, with no load running. Every broken
 * promise is a finding in the {@link SoakLedger}; what was checked is counted in {@link #facts}.
 * <ol>
 *   <li>Through the API, on both nodes in turn: every acknowledged upload reads back byte for byte (SHA-256 of
 *       the stream); every delete that answered 204 answers 404; a delete that got no clear answer left the file
 *       gone or whole.
 *   <li>The listing: every acknowledged upload is listed, nothing deleted is, and every listed file traces back
 *       (by its unique name) to an upload of this soak with that size. One that was never acknowledged (its
 *       answer was a 503 or a cut connection, but its row was committed) must read back whole, exactly as sent.
 *   <li>Storage, read directly: every row in PostgreSQL has its blob in S3Proxy, of the length the row implies;
 *       the API listed every row. Then a sweep with no grace ({@code FileService.sweepOrphans(0)} over the same
 *       stores, as the nodes' sweeper does) and afterwards the bucket holds exactly the rows' blobs.
 *   <li>The nodes' logs hold no incident of a 500 ({@code ERROR Problems}): also the ones no client could see,
 *       on a response already under way.
 * </ol>
 */
final class SoakEndChecks {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "files/";

  private final SoakApi api;
  private final SoakLedger ledger;
  private final HttpClient http;
  private final SharedBackends backends;
  /** What the checks found, in words, for the report. */
  final Map<String, Object> facts = new LinkedHashMap<>();

  SoakEndChecks(SoakApi api, SharedBackends backends) {
    this.api = api;
    this.ledger = api.ledger;
    this.http = api.http;
    this.backends = backends;
  }

  void run(List<SoakNode> nodes) throws Exception {
    for (SoakNode node : nodes) {
      awaitReady(node.url());
    }
    readBack();
    Set<String> listed = listing();
    storage(listed);
    logs(nodes);
  }

  private void awaitReady(String url) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int status = 0;
    while (System.nanoTime() < deadline) {
      try {
        status = http.send(HttpRequest.newBuilder(URI.create(url + "/readyz")).timeout(Duration.ofSeconds(30))
            .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200) {
          return;
        }
      } catch (IOException e) {
        status = -1;
      }
      Thread.sleep(500);
    }
    ledger.finding("node " + url + " not ready 90 s after the chaos stopped (last " + status + ")");
  }

  // --- 1. every upload, by what became of it

  private void readBack() throws Exception {
    Map<String, AtomicLong> outcomes = new TreeMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> work = new ArrayList<>();
      int i = 0;
      for (SoakLedger.Upload u : ledger.uploads()) {
        if (u.id == null) {
          continue; // never acknowledged: the listing says whether it was stored
        }
        int node = i++ % 2;
        work.add(pool.submit(() -> {
          String outcome = readBack(node, u);
          synchronized (outcomes) {
            outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : work) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    facts.put("read back", outcomes);
  }

  private String readBack(int node, SoakLedger.Upload u) throws Exception {
    Fetched got = fetch(node, u.id);
    switch (u.state) {
      case ACKED, DELETING -> {
        if (got.status == 200 && got.matches(u)) {
          return "acknowledged, whole";
        }
        ledger.finding("an acknowledged upload does not read back whole: " + u + " -> " + got);
        return "acknowledged, BROKEN";
      }
      case DELETED -> {
        if (got.status == 404) {
          return "deleted, gone";
        }
        ledger.finding("a deleted file is still there: " + u + " -> " + got);
        return "deleted, STILL THERE";
      }
      case DELETE_UNCERTAIN -> {
        if (got.status == 404) {
          return "delete unanswered, gone";
        }
        if (got.status == 200 && got.matches(u)) {
          return "delete unanswered, whole";
        }
        ledger.finding("a file whose delete got no answer is neither gone nor whole: " + u + " -> " + got);
        return "delete unanswered, BROKEN";
      }
      default -> throw new IllegalStateException("an upload with an id in state " + u.state);
    }
  }

  // --- 2. the listing

  private Set<String> listing() throws Exception {
    Map<String, JsonNode> listed = new HashMap<>();
    String cursor = null;
    do {
      String path = "/v1/files?limit=1000"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      HttpResponse<String> r = http.send(request(0, path).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        ledger.finding("the final listing failed: " + r.statusCode() + " " + r.body());
        return listed.keySet();
      }
      JsonNode page = JSON.readTree(r.body());
      page.get("files").forEach(f -> listed.put(f.get("id").asText(), f));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
    } while (cursor != null);

    int unacknowledged = 0;
    for (JsonNode file : listed.values()) {
      SoakLedger.Upload u = ledger.byName(file.get("name").asText());
      String id = file.get("id").asText();
      if (u == null || u.state == SoakLedger.State.SLOW) {
        ledger.finding("listed, but no upload of this soak sent it whole: " + file);
      } else if (u.state == SoakLedger.State.DELETED) {
        ledger.finding("listed after its delete was acknowledged: " + file + " for " + u);
      } else if (u.id == null) {
        // Its answer was lost (503, cut connection), but its row was committed: it must be whole.
        Fetched got = fetch(1, id);
        if (got.status == 200 && got.matches(u) && file.get("size").asLong() == u.content.size()) {
          unacknowledged++;
        } else {
          ledger.finding("an unacknowledged upload is listed but not whole: " + file + " for " + u + " -> " + got);
        }
      } else if (!u.id.equals(id)) {
        ledger.finding("listed under another id than acknowledged: " + file + " for " + u);
      }
    }
    for (SoakLedger.Upload u : ledger.uploads()) {
      if (u.state == SoakLedger.State.ACKED && !listed.containsKey(u.id)) {
        ledger.finding("an acknowledged upload is not listed: " + u);
      }
    }
    facts.put("listed", listed.size());
    facts.put("listed though unacknowledged, whole", unacknowledged);
    return listed.keySet();
  }

  // --- 3. rows and blobs

  private void storage(Set<String> listed) throws Exception {
    Map<String, Long> rows = new HashMap<>();
    try (Connection c = DriverManager.getConnection(backends.postgres.jdbcUrl(backends.postgresDatabase()),
        backends.postgres.user(), backends.postgres.password());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id, size, segment_size FROM files")) {
      while (r.next()) {
        rows.put(r.getString(1), EnvelopeCipher.withSegmentSize(r.getInt(3)).ciphertextSize(r.getLong(2)));
      }
    }
    Map<String, Long> blobs = blobs();
    for (Map.Entry<String, Long> row : rows.entrySet()) {
      Long blob = blobs.get(row.getKey());
      if (blob == null) {
        ledger.finding("row " + row.getKey() + " has no blob");
      } else if (!blob.equals(row.getValue())) {
        ledger.finding("row " + row.getKey() + " wants a blob of " + row.getValue() + " bytes; it has " + blob);
      }
    }
    if (!rows.keySet().equals(listed)) {
      Set<String> unlisted = new HashSet<>(rows.keySet());
      unlisted.removeAll(listed);
      ledger.finding("the API listed " + listed.size() + " files, PostgreSQL holds " + rows.size()
          + " rows; not listed: " + unlisted);
    }
    facts.put("rows", rows.size());
    facts.put("blobs before the sweep", blobs.size());

    int swept;
    try (AwsKmsKeyService keys = AwsKmsKeyService.create(backends.kms.config());
        // The least max upload time (grace 2 s): the load is over, and any blob without a row now is an orphan.
        S3BlobStore store = S3BlobStore.create(backends.s3.storeConfig(SharedBackends.BUCKET).prefix(PREFIX)
            .maxUploadTime(Duration.ofSeconds(1)).build());
        PostgresMetadataStore metadata = PostgresMetadataStore.open(backends.postgres.config(
            backends.postgresDatabase()))) {
      swept = FileService.builder().keyService(keys, SharedBackends.ROOT_ALIAS).blobStore(store)
          .metadataStore(metadata).build().sweepOrphans(Duration.ZERO);
    }
    Set<String> after = blobs().keySet();
    if (!after.equals(rows.keySet())) {
      Set<String> extra = new HashSet<>(after);
      extra.removeAll(rows.keySet());
      ledger.finding("after the sweep, blobs without rows remain: " + extra);
    }
    facts.put("orphan blobs swept", swept);
    facts.put("blobs after the sweep", after.size());
  }

  private Map<String, Long> blobs() {
    Map<String, Long> blobs = new HashMap<>();
    for (S3Object o : backends.s3.client().listObjectsV2Paginator(ListObjectsV2Request.builder()
        .bucket(SharedBackends.BUCKET).prefix(PREFIX).build()).contents()) {
      blobs.put(o.key().substring(PREFIX.length()), o.size());
    }
    return blobs;
  }

  // --- 4. the nodes' logs

  private void logs(List<SoakNode> nodes) throws IOException {
    Map<String, Long> levels = new TreeMap<>();
    for (SoakNode node : nodes) {
      for (Path log : node.stderrFiles()) {
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
          if (line.contains(" ERROR Problems - ")) {
            ledger.finding("node " + node.name + " logged a 500: " + line);
          }
          for (String level : new String[] {" WARN ", " ERROR "}) {
            int at = line.indexOf(level);
            if (at >= 0) {
              String logger = line.substring(at + 1).split(" ", 3)[1];
              levels.merge(level.strip() + " " + logger, 1L, Long::sum);
            }
          }
        }
      }
    }
    facts.put("node log lines", levels);
  }

  // --- reading a file back

  /** A download's status, length and SHA-256. */
  private record Fetched(int status, long length, byte[] sha256, String problem) {
    boolean matches(SoakLedger.Upload u) {
      return length == u.content.size() && Arrays.equals(sha256, u.sha256());
    }

    @Override
    public String toString() {
      return status + " (" + length + " bytes" + (problem.isEmpty() ? "" : ", " + problem) + ")";
    }
  }

  private Fetched fetch(int node, String id) throws InterruptedException {
    try {
      HttpResponse<InputStream> r = http.send(request(node, "/v1/files/" + id).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      MessageDigest digest = SoakContent.newSha256();
      long length = 0;
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          return new Fetched(r.statusCode(), 0, null, new String(in.readNBytes(4096), StandardCharsets.UTF_8));
        }
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          digest.update(buffer, 0, n);
          length += n;
        }
      }
      return new Fetched(200, length, digest.digest(), "");
    } catch (IOException e) {
      return new Fetched(-1, 0, null, e.toString());
    }
  }

  private HttpRequest.Builder request(int node, String path) {
    return api.request(node, path);
  }
}
