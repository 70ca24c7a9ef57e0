package dev.envelope.cli;

import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the soak saw: every upload attempt and what became of it, every answer counted by operation and outcome,
 * the faults the chaos loop caused, and the findings (anything that breaks a promise). Thread-safe.
 *
 * <h2>Which failures a fault excuses</h2>
 * A 503 (with {@code Retry-After}) or a connection that fails is expected from a request that overlaps a fault:
 * from {@value #LEAD_MILLIS} ms before it began to {@value #SLACK_MILLIS} ms after it ended (the key service's
 * retries take up to 10 s, a store's reconnect a few more). A node's kill excuses only requests to that node; an
 * outage of S3, PostgreSQL or the key server excuses requests to either. Outside those windows, a 503 or a broken
 * connection is a finding. A 500 (or any other 5xx), a timeout, a 429 to a client with a valid token, or a wrong
 * byte is a finding anywhere.
 */
final class SoakLedger {
  static final long LEAD_MILLIS = 1_000;
  static final long SLACK_MILLIS = 15_000;
  private static final int KEPT_FINDINGS = 200;

  /** What became of an upload attempt. */
  enum State { IN_FLIGHT, FAILED, ACKED, DELETING, DELETED, DELETE_UNCERTAIN, SLOW }

  /** One upload attempt: its name is unique in the run, so a listed file can be traced to what was sent. */
  static final class Upload {
    final String name;
    final SoakContent content;
    volatile State state = State.IN_FLIGHT;
    volatile String id;
    volatile long deletedAt;
    private byte[] digest;

    Upload(String name, SoakContent content) {
      this.name = name;
      this.content = content;
    }

    synchronized byte[] sha256() {
      if (digest == null) {
        digest = content.sha256();
      }
      return digest;
    }

    @Override
    public String toString() {
      return "upload '" + name + "' (" + content.size() + " bytes, seed " + content.seed() + ", id " + id + ")";
    }
  }

  /** A fault the chaos loop caused; {@code node} is the node it concerns, or -1 for a shared backend. */
  static final class Fault {
    final String kind;
    final int node;
    final long start;
    volatile long end;
    volatile String note = "";

    Fault(String kind, int node, long start) {
      this.kind = kind;
      this.node = node;
      this.start = start;
    }
  }

  final long started = System.nanoTime();
  private final Map<String, Upload> byName = new ConcurrentHashMap<>();
  private final List<Upload> readable = new ArrayList<>();
  /** An acknowledged upload that is never deleted (the slow reader's). */
  private volatile Upload kept;
  private final AtomicLong readableBytes = new AtomicLong();
  private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> findings = new ConcurrentLinkedQueue<>();
  private final LongAdder findingCount = new LongAdder();

  // --- uploads

  Upload begin(String name, SoakContent content) {
    Upload u = new Upload(name, content);
    if (byName.putIfAbsent(name, u) != null) {
      throw new IllegalStateException("upload names must be unique: " + name);
    }
    return u;
  }

  void acknowledged(Upload u, String id) {
    u.id = id;
    u.state = State.ACKED;
    synchronized (readable) {
      readable.add(u);
    }
    readableBytes.addAndGet(u.content.size());
  }

  /** An acknowledged upload to read, or null when there is none. */
  Upload pickReadable(Random random) {
    synchronized (readable) {
      return readable.isEmpty() ? null : readable.get(random.nextInt(readable.size()));
    }
  }

  /** Marks an acknowledged upload as one that no delete may take. */
  void keep(Upload u) {
    kept = u;
  }

  Upload kept() {
    return kept;
  }

  /** Takes an acknowledged upload (not the kept one) out of the readable ones for a delete; null if none. */
  Upload claimForDelete(Random random) {
    synchronized (readable) {
      for (int tries = 0; tries < 4 && !readable.isEmpty(); tries++) {
        int i = random.nextInt(readable.size());
        Upload u = readable.get(i);
        if (u != kept) {
          readable.set(i, readable.get(readable.size() - 1));
          readable.remove(readable.size() - 1);
          u.state = State.DELETING;
          readableBytes.addAndGet(-u.content.size());
          return u;
        }
      }
      return null;
    }
  }

  long readableBytes() {
    return readableBytes.get();
  }

  Upload byName(String name) {
    return byName.get(name);
  }

  List<Upload> uploads() {
    return List.copyOf(byName.values());
  }

  // --- faults

  Fault faultBegins(String kind, int node) {
    Fault f = new Fault(kind, node, System.nanoTime());
    faults.add(f);
    return f;
  }

  void faultEnds(Fault f) {
    f.end = System.nanoTime();
  }

  List<Fault> faults() {
    synchronized (faults) {
      return List.copyOf(faults);
    }
  }

  /** Whether a fault excuses a failed request to {@code node} sent at {@code from} and ended at {@code to}. */
  boolean excused(int node, long from, long to) {
    long lead = LEAD_MILLIS * 1_000_000;
    long slack = SLACK_MILLIS * 1_000_000;
    synchronized (faults) {
      for (Fault f : faults) {
        long end = f.end == 0 ? Long.MAX_VALUE - slack : f.end;
        if ((f.node < 0 || f.node == node) && from <= end + slack && to >= f.start - lead) {
          return true;
        }
      }
    }
    return false;
  }

  // --- outcomes

  void count(String op, String outcome) {
    counts.computeIfAbsent(op + "\t" + outcome, k -> new LongAdder()).increment();
  }

  long countOf(String op, String outcome) {
    LongAdder n = counts.get(op + "\t" + outcome);
    return n == null ? 0 : n.sum();
  }

  /** Counts by operation, then outcome. */
  Map<String, Map<String, Long>> counts() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    counts.forEach((key, n) -> {
      String[] parts = key.split("\t", 2);
      out.computeIfAbsent(parts[0], k -> new TreeMap<>()).put(parts[1], n.sum());
    });
    return out;
  }

  /**
   * An answer other than the one the operation wanted: a 503 with {@code Retry-After} in a fault's window is
   * expected; every other one is a finding. Returns whether it was expected (the caller then backs off).
   */
  boolean answered(String op, int node, long sent, String request, int status, HttpHeaders headers, String body) {
    count(op, String.valueOf(status));
    long now = System.nanoTime();
    if (status == 503) {
      if (headers.firstValue("Retry-After").isEmpty()) {
        finding("503 without Retry-After: " + request + " -> " + body);
        return false;
      }
      if (!excused(node, sent, now)) {
        finding("503 outside any outage (" + at(sent) + " to " + at(now) + "): " + request + " -> " + body);
        return false;
      }
      return true;
    }
    if (status >= 500) {
      finding(status + " answered (" + at(now) + "): " + request + " -> " + body);
    } else if (status == 429) {
      finding("429 to a client with a valid token: " + request + " -> " + body);
    } else {
      finding("unexpected " + status + " (" + at(now) + "): " + request + " -> " + body);
    }
    return false;
  }

  /** A request that got no answer: expected in a fault's window, a finding otherwise (a timeout always). */
  boolean unanswered(String op, int node, long sent, String request, Exception e) {
    long now = System.nanoTime();
    if (e instanceof HttpTimeoutException) {
      count(op, "timeout");
      finding("no answer in time (" + at(sent) + " to " + at(now) + "): " + request + ": " + e);
      return false;
    }
    count(op, "connection failed");
    if (!excused(node, sent, now)) {
      finding("connection failed outside any outage (" + at(sent) + " to " + at(now) + "): " + request + ": " + e);
      return false;
    }
    return true;
  }

  void finding(String what) {
    findingCount.increment();
    if (findings.size() < KEPT_FINDINGS) {
      findings.add(what);
    }
  }

  long findingCount() {
    return findingCount.sum();
  }

  List<String> findings() {
    return List.copyOf(findings);
  }

  /** Seconds since the run started, for messages: {@code t+12.3s}. */
  String at(long nanos) {
    return String.format(java.util.Locale.ROOT, "t+%.1fs", (nanos - started) / 1e9);
  }
}
