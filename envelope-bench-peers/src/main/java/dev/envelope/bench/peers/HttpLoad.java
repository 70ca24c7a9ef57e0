package dev.envelope.bench.peers;

import dev.envelope.bench.Sizes;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The clients of the HTTP benchmark, against one {@link ServerProcess}. Big transfers run {@code curl} as a
 * separate process (native, streaming {@code -T FILE} up and {@code -o /dev/null} down, so that neither the
 * client's JIT nor its GC nor a copy of the body into a Java heap shares the figure); the range reads, the checks
 * and {@code bin/bench-keys}' small requests use the JDK's {@link HttpClient} on kept-alive HTTP/1.1 connections
 * ({@code bin/bench}'s 4 KiB uploads use {@link LeanUploads}, whose client costs less CPU). Every transfer is
 * checked: status, length, and content (SHA-256 of a whole download, byte by byte for a range).
 */
final class HttpLoad {
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final double CLOCK_TICKS = 100; // USER_HZ: the unit of /proc/self/stat's times on Linux

  private final ServerProcess server;
  private final Path curl;
  private final Path dir;
  private final Path headers;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  /** @param dir where curl's header file (holding the token, not on its command line) and answers go */
  HttpLoad(ServerProcess server, Path curl, Path dir) throws IOException {
    this.server = server;
    this.curl = curl;
    this.dir = dir;
    this.headers = Files.writeString(dir.resolve("curl-headers.txt"),
        "Authorization: Bearer " + server.token() + "\n", StandardCharsets.UTF_8);
  }

  /**
   * One timed transfer: seconds by curl's clock, CPU seconds of curl and of the server, the cores the whole machine
   * kept busy meanwhile (every process), the file id.
   */
  record Transfer(double seconds, double clientCpu, double serverCpu, double machineCores, String id) {}

  /** Uploads {@code file} ({@code size} bytes) with {@code curl -T}; returns the new file's id with the times. */
  Transfer upload(Path file, long size) throws Exception {
    Path answer = dir.resolve("curl-answer.json");
    Files.deleteIfExists(answer);
    String[] w = curl(size, List.of("-X", "POST", "-T", file.toString(), "-H", "Expect:",
        "-H", "Content-Type: application/octet-stream", "-o", answer.toString(),
        "-w", "%{http_code} %{time_total} %{size_upload} %{errormsg}"), server.url() + "/v1/files?name=big.bin");
    String body = Files.isRegularFile(answer) ? Files.readString(answer) : "";
    if (!w[0].equals("201") || Long.parseLong(w[2]) != size) {
      throw new IOException("upload: HTTP " + w[0] + " after " + w[2] + " of " + size + " bytes: " + body.strip());
    }
    Matcher id = ID.matcher(body);
    if (!id.find()) {
      throw new IOException("upload: no file id in the answer: " + body.strip());
    }
    return new Transfer(Double.parseDouble(w[1]), Double.parseDouble(w[3]), Double.parseDouble(w[4]),
        Double.parseDouble(w[5]), id.group(1));
  }

  /** Downloads file {@code id} with {@code curl -o /dev/null}; checks the status and the length. */
  Transfer download(String id, long size) throws Exception {
    String[] w = curl(size, List.of("-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download} %{errormsg}"),
        server.url() + "/v1/files/" + id);
    if (!w[0].equals("200") || Long.parseLong(w[2]) != size) {
      throw new IOException("download: HTTP " + w[0] + " with " + w[2] + " of " + size + " bytes");
    }
    return new Transfer(Double.parseDouble(w[1]), Double.parseDouble(w[3]), Double.parseDouble(w[4]),
        Double.parseDouble(w[5]), id);
  }

  /**
   * Runs curl with {@code options}; returns its {@code -w} fields (status, seconds, bytes) then its CPU
   * seconds and the server's during the run, and the machine's busy cores. Throws unless curl exits 0.
   */
  private String[] curl(long size, List<String> options, String url) throws Exception {
    List<String> argv = new ArrayList<>(List.of(curl.toString(), "-sS", "-H", "@" + headers));
    argv.addAll(options);
    argv.add(url);
    Path err = dir.resolve("curl-stderr.txt");
    ProcessBuilder pb = new ProcessBuilder(argv).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    double childCpu = childrenCpuSeconds();
    double serverCpu = server.cpuSeconds();
    MachineCpu machine = MachineCpu.now();
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    long timeout = 120 + size / 5_000_000; // 5 MB/s would be broken, not slow
    if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      throw new IOException("curl timed out after " + timeout + " s");
    }
    double serverUsed = server.cpuSeconds() - serverCpu;
    double curlUsed = childrenCpuSeconds() - childCpu;
    double machineCores = MachineCpu.now().coresSince(machine);
    server.checkAlive();
    String written = new String(out, StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) {
      throw new IOException("curl exited with status " + p.exitValue() + ": "
          + Files.readString(err).strip() + " " + written);
    }
    String[] w = written.split(" ", 4);
    return new String[] {w[0], w[1], w[2], Double.toString(curlUsed), Double.toString(serverUsed),
        Double.toString(machineCores)};
  }

  /** CPU seconds of this JVM's children that have ended (they are reaped as they end). */
  static double childrenCpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / CLOCK_TICKS; // cutime, cstime
  }

  /** CPU seconds of this JVM so far. */
  static double ownCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e9;
  }

  /** Downloads file {@code id} through the JDK client (untimed) and checks its SHA-256 and length. */
  void verify(String id, long size, byte[] sha256) throws Exception {
    HttpResponse<InputStream> r = http.send(request("/v1/files/" + id)
        .timeout(Duration.ofSeconds(120 + size / 5_000_000)).build(), BodyHandlers.ofInputStream());
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    long length = 0;
    try (InputStream in = r.body()) {
      byte[] buffer = new byte[256 * Sizes.KIB];
      for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
        length += n;
      }
    }
    byte[] got = digest.digest();
    if (r.statusCode() != 200 || length != size || !MessageDigest.isEqual(got, sha256)) {
      throw new IOException("download of " + id + ": HTTP " + r.statusCode() + ", " + length + " bytes, SHA-256 "
          + HexFormat.of().formatHex(got) + ", expected " + size + " bytes with " + HexFormat.of().formatHex(sha256));
    }
  }

  /** Deletes file {@code id} (untimed), so that the rounds' uploads do not fill the disk or the tmpfs. */
  void delete(String id) throws Exception {
    HttpResponse<String> r = http.send(request("/v1/files/" + id).timeout(Duration.ofSeconds(60)).DELETE().build(),
        BodyHandlers.ofString());
    if (r.statusCode() != 204) {
      throw new IOException("delete of " + id + ": HTTP " + r.statusCode() + ": " + r.body().strip());
    }
  }

  /** Downloads each file (untimed) and compares it with what was uploaded. */
  void verify(List<LeanUploads.LastFile> files) throws Exception {
    for (LeanUploads.LastFile file : files) {
      HttpResponse<byte[]> r = http.send(request("/v1/files/" + file.id()).timeout(Duration.ofSeconds(60)).build(),
          BodyHandlers.ofByteArray());
      if (r.statusCode() != 200 || !Arrays.equals(r.body(), file.content())) {
        throw new IOException("a small upload (" + file.id() + ") did not come back as sent: HTTP " + r.statusCode());
      }
    }
  }

  /** Uploads {@code file} through the JDK client (untimed: for the range reads when curl is missing). */
  String uploadWithJdk(Path file, long size) throws Exception {
    HttpResponse<String> r = http.send(request("/v1/files?name=big.bin").timeout(Duration.ofSeconds(120 + size / 5_000_000))
        .header("Content-Type", "application/octet-stream").POST(BodyPublishers.ofFile(file)).build(),
        BodyHandlers.ofString());
    Matcher id = ID.matcher(r.body());
    if (r.statusCode() != 201 || !id.find()) {
      throw new IOException("upload: HTTP " + r.statusCode() + ": " + r.body().strip());
    }
    return id.group(1);
  }

  /** Small uploads: count and rate in the measured window, latencies (ms, sorted), CPU cores used. */
  record SmallUploads(long count, double perSecond, double[] sortedMillis, double clientCores, double serverCores) {}

  /**
   * {@code clients} threads each upload {@code bytes}-byte random files one after another, for
   * {@code warmupSeconds} unmeasured and then {@code seconds} measured; every answer must be 201. Afterwards
   * the last file of each client is downloaded and compared.
   */
  SmallUploads smallUploads(int clients, int bytes, double warmupSeconds, double seconds) throws Exception {
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    List<double[]> latencies = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    List<Object[]> lastFiles = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      SplittableRandom random = new SplittableRandom(c);
      threads.add(new Thread(() -> {
        double[] mine = new double[4096];
        int count = 0;
        byte[] content = new byte[bytes];
        String lastId = null;
        try {
          while (!stop.get()) {
            random.nextBytes(content);
            boolean measured = measuring.get();
            long start = System.nanoTime();
            HttpResponse<String> r = http.send(request("/v1/files?name=small.bin").timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/octet-stream").POST(BodyPublishers.ofByteArray(content))
                .build(), BodyHandlers.ofString());
            long end = System.nanoTime();
            if (r.statusCode() != 201) {
              throw new IOException("a 4 KiB upload answered HTTP " + r.statusCode() + ": " + r.body());
            }
            Matcher id = ID.matcher(r.body());
            lastId = id.find() ? id.group(1) : null;
            if (measured && !stop.get()) {
              if (count == mine.length) {
                mine = Arrays.copyOf(mine, count * 2);
              }
              mine[count++] = (end - start) / 1e6;
            }
          }
        } catch (Exception e) {
          synchronized (failures) {
            failures.add(ProcessBench.describe(e));
          }
          stop.set(true);
        }
        synchronized (latencies) {
          latencies.add(Arrays.copyOf(mine, count));
          lastFiles.add(new Object[] {lastId, content.clone()});
        }
      }, "small-upload-" + c));
    }
    threads.forEach(Thread::start);
    Thread.sleep((long) (warmupSeconds * 1000));
    double clientCpu = ownCpuSeconds();
    double serverCpu = server.cpuSeconds();
    long start = System.nanoTime();
    measuring.set(true);
    Thread.sleep((long) (seconds * 1000));
    stop.set(true);
    double elapsed = (System.nanoTime() - start) / 1e9;
    double clientCores = (ownCpuSeconds() - clientCpu) / elapsed;
    double serverCores = (server.cpuSeconds() - serverCpu) / elapsed;
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IOException(failures.get(0) + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more)" : ""));
    }
    for (Object[] last : lastFiles) {
      HttpResponse<byte[]> r = http.send(request("/v1/files/" + last[0]).build(), BodyHandlers.ofByteArray());
      if (r.statusCode() != 200 || !Arrays.equals(r.body(), (byte[]) last[1])) {
        throw new IOException("a 4 KiB upload (" + last[0] + ") did not come back as sent: HTTP " + r.statusCode());
      }
    }
    double[] all = latencies.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
    // Requests that started before the window and ended in it are not counted: the rate errs low, not high.
    return new SmallUploads(all.length, all.length / elapsed, all, clientCores, serverCores);
  }

  /** A fixed number of small files uploaded: their ids and contents in upload order, the wall clock and CPU. */
  record Batch(List<String> ids, List<byte[]> contents, double seconds, double clientCores, double serverCores) {
    double perSecond() {
      return ids.size() / seconds;
    }
  }

  /**
   * Exactly {@code count} uploads of {@code bytes}-byte random files (declared size: {@code Content-Length}) from
   * {@code clients} threads taking the next file from a shared counter until none is left; every answer must be
   * 201. Timed from the first request to the last answer.
   */
  Batch uploadMany(int clients, int bytes, int count, long seed) throws Exception {
    String[] ids = new String[count];
    byte[][] contents = new byte[count][];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < count; i++) {
      contents[i] = new byte[bytes];
      random.nextBytes(contents[i]);
    }
    double[] times = inParallel(clients, count, i -> {
      HttpResponse<String> r = http.send(request("/v1/files?name=small-" + i + ".bin").timeout(Duration.ofSeconds(60))
          .header("Content-Type", "application/octet-stream").POST(BodyPublishers.ofByteArray(contents[i])).build(),
          BodyHandlers.ofString());
      Matcher id = ID.matcher(r.body());
      if (r.statusCode() != 201 || !id.find()) {
        throw new IOException("a small upload answered HTTP " + r.statusCode() + ": " + r.body().strip());
      }
      ids[i] = id.group(1);
    });
    return new Batch(List.of(ids), List.of(contents), times[0], times[1], times[2]);
  }

  /**
   * Downloads every file of {@code batch} from {@code clients} threads and compares each with what went up;
   * returns {seconds, client cores, server cores}.
   */
  double[] downloadMany(Batch batch, int clients) throws Exception {
    return inParallel(clients, batch.ids().size(), i -> {
      HttpResponse<byte[]> r = http.send(request("/v1/files/" + batch.ids().get(i)).timeout(Duration.ofSeconds(60))
          .build(), BodyHandlers.ofByteArray());
      if (r.statusCode() != 200 || !Arrays.equals(r.body(), batch.contents().get(i))) {
        throw new IOException("file " + batch.ids().get(i) + " did not come back as sent: HTTP " + r.statusCode()
            + ", " + r.body().length + " bytes");
      }
    });
  }

  /** One request of a fixed batch. */
  private interface Step {
    void run(int index) throws Exception;
  }

  /** Runs {@code count} steps on {@code threads} threads; {seconds, client cores, server cores}; the first failure. */
  private double[] inParallel(int threads, int count, Step step) throws Exception {
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(new Thread(() -> {
        for (int i = next.getAndIncrement(); i < count && failures.isEmpty(); i = next.getAndIncrement()) {
          try {
            step.run(i);
          } catch (Exception e) {
            failures.add(ProcessBench.describe(e));
          }
        }
      }, "batch-client-" + t));
    }
    double clientCpu = ownCpuSeconds();
    double serverCpu = server.cpuSeconds();
    long start = System.nanoTime();
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    double clientCores = (ownCpuSeconds() - clientCpu) / elapsed;
    double serverCores = (server.cpuSeconds() - serverCpu) / elapsed;
    server.checkAlive();
    if (!failures.isEmpty()) {
      throw new IOException(failures.get(0) + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more)" : ""));
    }
    return new double[] {elapsed, clientCores, serverCores};
  }

  /** Range reads: latencies in ms (sorted), CPU cores used over the measured reads, and the client that read. */
  record RangeReads(double[] sortedMillis, double clientCores, double serverCores, double machineCores,
      String client) {}

  /**
   * {@code warmup} unmeasured then {@code reads} measured reads of {@code length} bytes at random offsets of
   * file {@code id}, one at a time, by one curl process per phase on one kept-alive connection (native, like the
   * big transfers: the JDK client's own cost, about 4 ms of CPU per MiB with its checks, hid the server's); the
   * latency is curl's {@code time_total} of each read. Each body goes to a file of its own (under {@code scratch},
   * best a tmpfs), which is compared byte by byte with the same slice of {@code source} after the phase; or the
   * JDK client's reads ({@link #rangeReads}) when there is no curl.
   */
  RangeReads rangeReadsWithCurl(String id, Path source, long size, int length, int warmup, int reads, Path scratch)
      throws Exception {
    if (curl == null) {
      return rangeReads(id, source, size, length, warmup, reads);
    }
    SplittableRandom random = new SplittableRandom();
    curlRanges(id, source, size, length, warmup, random, scratch);
    double clientCpu = childrenCpuSeconds();
    double serverCpu = server.cpuSeconds();
    MachineCpu machine = MachineCpu.now();
    long start = System.nanoTime();
    double[] millis = curlRanges(id, source, size, length, reads, random, scratch);
    double elapsed = (System.nanoTime() - start) / 1e9;
    double clientCores = (childrenCpuSeconds() - clientCpu) / elapsed;
    double serverCores = (server.cpuSeconds() - serverCpu) / elapsed;
    double machineCores = MachineCpu.now().coresSince(machine);
    Arrays.sort(millis);
    return new RangeReads(millis, clientCores, serverCores, machineCores, "curl, one kept-alive connection");
  }

  /** One curl process reading {@code reads} ranges; checks every body after it ends; the latencies in ms. */
  private double[] curlRanges(String id, Path source, long size, int length, int reads, SplittableRandom random,
      Path scratch) throws Exception {
    if (reads == 0) {
      return new double[0];
    }
    long[] offsets = new long[reads];
    Path bodies = Files.createTempDirectory(scratch, "ranges");
    StringBuilder config = new StringBuilder();
    for (int i = 0; i < reads; i++) {
      offsets[i] = random.nextLong(size - length + 1);
      config.append("url = \"").append(server.url()).append("/v1/files/").append(id).append("\"\n")
          .append("header = \"Range: bytes=").append(offsets[i]).append('-').append(offsets[i] + length - 1)
          .append("\"\n")
          .append("header = \"@").append(headers).append("\"\n")
          .append("output = \"").append(bodies.resolve("r" + i)).append("\"\n")
          .append("write-out = \"%{http_code} %{size_download} %{time_total}\\n\"\n");
      if (i < reads - 1) {
        config.append("next\n"); // a trailing one would start a request with no URL
      }
    }
    Path configFile = Files.writeString(bodies.resolve("curl.config"), config, StandardCharsets.UTF_8);
    Path err = bodies.resolve("curl-stderr.txt");
    Process p = new ProcessBuilder(curl.toString(), "-sS", "-K", configFile.toString())
        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String written = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120 + reads, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      throw new IOException("curl's range reads timed out");
    }
    server.checkAlive();
    if (p.exitValue() != 0) {
      throw new IOException("curl's range reads exited with status " + p.exitValue() + ": "
          + Files.readString(err).strip());
    }
    String[] lines = written.strip().split("\n");
    if (lines.length != reads) {
      throw new IOException("curl reported " + lines.length + " range reads of " + reads);
    }
    double[] millis = new double[reads];
    ByteBuffer expected = ByteBuffer.allocate(length);
    try (FileChannel original = FileChannel.open(source)) {
      for (int i = 0; i < reads; i++) {
        String[] w = lines[i].strip().split(" ");
        Path body = bodies.resolve("r" + i);
        expected.clear();
        while (expected.hasRemaining() && original.read(expected, offsets[i] + expected.position()) > 0) {
          // read the slice whole
        }
        byte[] got = Files.readAllBytes(body);
        Files.delete(body);
        if (!w[0].equals("206") || !Arrays.equals(got, expected.array())) {
          throw new IOException("range read at " + offsets[i] + ": HTTP " + w[0] + ", " + got.length + " bytes, "
              + (got.length == length ? "content differs from the original" : "expected " + length));
        }
        millis[i] = Double.parseDouble(w[2]) * 1000;
      }
    }
    Files.delete(configFile);
    Files.deleteIfExists(err);
    Files.delete(bodies);
    return millis;
  }

  /**
   * {@code warmup} unmeasured then {@code reads} measured reads of {@code length} bytes at random offsets of
   * file {@code id}, one at a time; each body is compared with the same slice of {@code source}.
   */
  RangeReads rangeReads(String id, Path source, long size, int length, int warmup, int reads) throws Exception {
    SplittableRandom random = new SplittableRandom();
    double[] millis = new double[reads];
    ByteBuffer expected = ByteBuffer.allocate(length);
    double clientCpu = 0;
    double serverCpu = 0;
    MachineCpu machine = MachineCpu.now();
    long measuredStart = System.nanoTime();
    try (FileChannel original = FileChannel.open(source)) {
      for (int i = -warmup; i < reads; i++) {
        long offset = random.nextLong(size - length + 1);
        HttpRequest get = request("/v1/files/" + id).header("Range", "bytes=" + offset + "-" + (offset + length - 1))
            .timeout(Duration.ofSeconds(60)).build();
        if (i == 0) {
          clientCpu = ownCpuSeconds();
          serverCpu = server.cpuSeconds();
          machine = MachineCpu.now();
          measuredStart = System.nanoTime();
        }
        long start = System.nanoTime();
        HttpResponse<byte[]> r = http.send(get, BodyHandlers.ofByteArray());
        long nanos = System.nanoTime() - start;
        expected.clear();
        while (expected.hasRemaining() && original.read(expected, offset + expected.position()) > 0) {
          // read the slice whole
        }
        if (r.statusCode() != 206 || !Arrays.equals(r.body(), expected.array())) {
          throw new IOException("range read at " + offset + ": HTTP " + r.statusCode() + ", " + r.body().length
              + " bytes, " + (r.body().length == length ? "content differs from the original" : "expected " + length));
        }
        if (i >= 0) {
          millis[i] = nanos / 1e6;
        }
      }
    }
    // Over the wall clock of the measured reads, checks included: the client's figure errs high.
    double elapsed = (System.nanoTime() - measuredStart) / 1e9;
    double clientCores = (ownCpuSeconds() - clientCpu) / elapsed;
    double serverCores = (server.cpuSeconds() - serverCpu) / elapsed;
    double machineCores = MachineCpu.now().coresSince(machine);
    Arrays.sort(millis);
    return new RangeReads(millis, clientCores, serverCores, machineCores, "JDK HttpClient");
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + server.token());
  }
}
