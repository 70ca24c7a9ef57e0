package dev.envelope.cli;

import dev.envelope.http.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The soak's badly behaved clients, each at the socket level ({@link RawHttp}) from loopback addresses of their
 * own, so that the nodes' per-address budgets see them apart from the well-behaved load on 127.0.0.1:
 * <ul>
 *   <li>bad tokens (none, malformed, well-formed but unknown) on every kind of request, from 127.0.0.2-7:
 *       401 (with {@code WWW-Authenticate}), or 429 (with {@code Retry-After}) once an address has spent its
 *       {@code auth-failures-per-minute}; and now and then a burst of 40 from 127.0.0.9 to one node, which must
 *       meet 429;
 *   <li>a slow uploader, trickling 4 bytes a second (far under the nodes' 1 KiB/s minimum) into an upload with a
 *       valid token: the node must cut it once its minimum-rate grace (lowered to a few seconds for the soak) has
 *       passed, answer no 5xx, and store nothing of it; and a stalled reader, which asks for a large file and then
 *       reads nothing: the node must cut it too (its idle timeout does), not hang.
 * </ul>
 * Every answer goes to the {@link SoakLedger}: a 500 here is a finding like anywhere else.
 */
final class SoakHostileClients {
  private static final String[] BAD_TOKENS = {
      null, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer env1.aaaaaaaaaaaaaaaa.wrong",
      "Bearer env1.aaaaaaaaaaaaaaaa.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
  private static final Duration ANSWER = Duration.ofSeconds(60);
  /** How long the stalled reader reads nothing: the nodes' idle timeout (30 s) and a margin. */
  static final Duration STALL = Duration.ofSeconds(45);

  private final SoakLedger ledger;
  private final List<Integer> ports;
  private final String token;
  private final SoakLedger.Upload kept;
  private final Duration grace;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final Random random;
  private int slowUploads;

  SoakHostileClients(SoakLedger ledger, List<Integer> ports, String token, SoakLedger.Upload kept, Duration grace,
      long seed) {
    this.ledger = ledger;
    this.ports = ports;
    this.token = token;
    this.kept = kept;
    this.grace = grace;
    this.random = new Random(seed);
  }

  void start() {
    Random badRandom = new Random(random.nextLong());
    Random slowRandom = new Random(random.nextLong());
    threads.add(new Thread(() -> badTokens(badRandom), "soak-bad-tokens"));
    threads.add(new Thread(() -> slowClients(slowRandom, false, 20), "soak-slow-uploads"));
    threads.add(new Thread(() -> slowClients(null, true, 30), "soak-slow-readers"));
    threads.forEach(t -> {
      t.setDaemon(true);
      t.start();
    });
  }

  void stop(Duration patience) throws InterruptedException {
    stop.set(true);
    threads.subList(1, threads.size()).forEach(Thread::interrupt); // slow clients under way: abandoned
    for (Thread t : threads) {
      t.join(patience.toMillis());
      if (t.isAlive()) {
        ledger.finding(t.getName() + " still busy " + patience.toSeconds() + " s after the load stopped");
        t.interrupt();
      }
    }
  }

  // --- bad tokens

  private void badTokens(Random random) {
    int round = 0;
    while (!stop.get()) {
      round++;
      if (round % 60 == 0) {
        burst(random.nextInt(2));
      } else {
        badToken(random, random.nextInt(2), "127.0.0." + (2 + random.nextInt(6)), random.nextInt(4));
      }
      sleep(100 + random.nextInt(200));
    }
  }

  /** 40 requests with a malformed token (no store is asked, so no outage changes the answer) in a row. */
  private void burst(int node) {
    for (int i = 0; i < 40 && !stop.get(); i++) {
      badToken(null, node, "127.0.0.9", 0);
    }
  }

  private void badToken(Random random, int node, String from, int kind) {
    String auth = random == null ? "Bearer nope" : BAD_TOKENS[random.nextInt(BAD_TOKENS.length)];
    String target = kind == 1 || kind == 3 ? "/v1/files/" + kept.id : "/v1/files";
    String method = switch (kind) {
      case 2 -> "POST";
      case 3 -> "DELETE";
      default -> "GET";
    };
    String body = kind == 2 ? "x".repeat(1000) : "";
    String request = method + " " + target + (kind == 2 ? "?name=intruder" : "") + " HTTP/1.1\r\nHost: soak\r\n"
        + (auth == null ? "" : "Authorization: " + auth + "\r\n")
        + (kind == 2 ? "Content-Length: " + body.length() + "\r\n" : "") + "Connection: close\r\n\r\n" + body;
    String what = method + " " + target + " with " + (auth == null ? "no token" : "'" + auth + "'") + " from "
        + from + " on node " + node;
    long sent = System.nanoTime();
    try (RawHttp raw = RawHttp.connect(ports.get(node), from)) {
      RawHttp.Response r = raw.send(request).read(ANSWER);
      String outcome = from.equals("127.0.0.9") ? "burst " + r.status() : String.valueOf(r.status());
      if (r.status() == 401 && r.header("WWW-Authenticate") != null) {
        ledger.count("bad token", outcome);
      } else if (r.status() == 429 && r.header("Retry-After") != null) {
        ledger.count("bad token", outcome);
      } else if (r.status() == 503 && r.header("Retry-After") != null && ledger.excused(node, sent,
          System.nanoTime())) {
        ledger.count("bad token", "503");
      } else {
        ledger.count("bad token", outcome);
        ledger.finding((r.status() >= 500 ? r.status() + " answered" : "unexpected " + r.status()) + ": " + what
            + " -> " + r.headers() + " " + r.text());
      }
    } catch (IOException e) {
      ledger.unanswered("bad token", node, sent, what, e);
    }
  }

  // --- slow clients

  /**
   * Trickled uploads to either node, or stalled readers of node a (a kill of node b would cut one for another
   * reason), one after another. Stopping interrupts the one under way: it is abandoned, not judged.
   */
  private void slowClients(Random random, boolean readers, int firstAddress) {
    try {
      Thread.sleep(2_000);
      for (int n = 0; !stop.get(); n++) {
        String from = "127.0.0." + (firstAddress + n % 10);
        if (readers) {
          slowReader(0, from);
        } else {
          slowUpload(random.nextInt(2), from);
        }
        Thread.sleep(readers ? 2_000 : 2_000 + random.nextInt(4_000));
      }
    } catch (InterruptedException e) {
      ledger.count(readers ? "slow reader" : "slow upload", "abandoned at the end");
    }
  }

  /** Declares 1 MiB, then sends a byte every 250 ms; the node must cut it once its grace has passed. */
  private void slowUpload(int node, String from) throws InterruptedException {
    String name = "slow-upload-" + ++slowUploads + ".bin";
    ledger.begin(name, new SoakContent(0, 1 << 20)).state = SoakLedger.State.SLOW;
    String what = "a trickled upload '" + name + "' from " + from + " on node " + node;
    long sent = System.nanoTime();
    long deadline = sent + grace.toNanos() + Duration.ofSeconds(45).toNanos();
    try (RawHttp raw = RawHttp.connect(ports.get(node), from)) {
      raw.send("POST /v1/files?name=" + name + " HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\nx");
      try {
        while (System.nanoTime() < deadline) {
          Thread.sleep(250);
          raw.send("y");
        }
      } catch (IOException cut) {
        slowAnswer("slow upload", node, sent, what, raw);
        return;
      }
      ledger.count("slow upload", "not cut");
      ledger.finding("not cut within " + Duration.ofNanos(deadline - sent).toSeconds() + " s: " + what);
    } catch (IOException e) {
      ledger.unanswered("slow upload", node, sent, what, e);
    }
  }

  /** What a cut slow upload got: nothing, or an answer that is not a 5xx (a 503 only in an outage). */
  private void slowAnswer(String op, int node, long sent, String what, RawHttp raw) {
    String seconds = String.format(java.util.Locale.ROOT, "%.0f", (System.nanoTime() - sent) / 1e9);
    try {
      RawHttp.Response r = raw.read(Duration.ofSeconds(2));
      if (r.status() == 503 && ledger.excused(node, sent, System.nanoTime())) {
        ledger.count(op, "503");
      } else if (r.status() >= 500) {
        ledger.count(op, String.valueOf(r.status()));
        ledger.finding(r.status() + " answered to " + what + ": " + r.text());
      } else {
        ledger.count(op, "cut, answered " + r.status());
      }
    } catch (IOException | RuntimeException none) {
      ledger.count(op, "cut");
    }
    ledger.count(op + " seconds", seconds);
  }

  /**
   * Asks for the kept file (64 MiB) with a 4 KiB receive buffer, reads only the headers, then nothing for
   * {@link #STALL}; then it reads what is left, and the connection must end before the file does. The node cuts
   * such a reader by its idle timeout (30 s): the minimum data rate is an average over the server's waiting, and
   * the megabytes the socket buffers took before the stall earn the reader more time than that.
   */
  private void slowReader(int node, String from) throws InterruptedException {
    String what = "a stalled reader of " + kept + " from " + from + " on node " + node;
    long sent = System.nanoTime();
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", ports.get(node)), 5_000);
      socket.setSoTimeout((int) ANSWER.toMillis());
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(("GET /v1/files/" + kept.id + " HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer " + token
          + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = headers(in);
      int status = Integer.parseInt(head.split(" ", 3)[1]);
      if (status != 200) {
        boolean outage = status == 503 && ledger.excused(node, sent, System.nanoTime());
        ledger.count("slow reader", outage ? "503" : String.valueOf(status));
        if (!outage) {
          ledger.finding("unexpected " + status + " to " + what + ": " + head);
        }
        return;
      }
      Thread.sleep(STALL.toMillis());
      long received = 0;
      socket.setSoTimeout(30_000);
      byte[] buffer = new byte[64 * 1024];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          received += n;
        }
      } catch (SocketTimeoutException e) {
        // The whole file came (the connection stays open for the next request), or the node hangs.
        if (received < kept.content.size()) {
          ledger.count("slow reader", "hung");
          ledger.finding("neither cut nor finished, 30 s after reading again: " + what);
          return;
        }
      } catch (SocketException e) {
        // reset: cut
      }
      if (received >= kept.content.size()) {
        ledger.count("slow reader", "not cut");
        ledger.finding("not cut although it read nothing for " + STALL.toSeconds() + " s: " + what);
      } else {
        ledger.count("slow reader", "cut");
      }
    } catch (IOException e) {
      ledger.unanswered("slow reader", node, sent, what, e);
    }
  }

  private static String headers(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection ended in the headers: " + head);
      }
      head.append((char) b);
    }
    return head.toString();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
