package dev.envelope.bench.peers;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A lean load generator for small uploads, so that the client is not what bounds the rate: each client is a
 * thread with one kept-alive HTTP/1.1 connection on a plain socket, which writes a request built once (request
 * line and headers as bytes, then a fresh random body, in one write) and reads the answer's status line, headers
 * and {@code Content-Length} body (chunked too, should a server send it). The JDK {@code HttpClient} cost about
 * 1.8 ms of CPU per request on this machine's kind; this costs a few microseconds beyond the kernel's socket work.
 *
 * <p>An answer other than 201 with a file id counts as an error (the first few are kept, to be reported), as does
 * a broken connection, after which the client connects again; nothing stops the run but a client failing 20 times
 * in a row. CPU is measured for the whole benchmark JVM (nothing else runs in it meanwhile) and for the server.
 */
final class LeanUploads {
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final int MAX_FAILURES_IN_A_ROW = 20;
  private static final int KEPT_ERRORS = 3;

  /**
   * What a run measured.
   *
   * @param count answers 201 with an id in the measured window
   * @param perSecond their rate
   * @param sortedMillis their latencies, sorted
   * @param errors other answers and broken connections in the measured window
   * @param errorSamples the first few of them, described
   * @param clientCores CPU of the benchmark JVM (the clients) over the window
   * @param serverCores CPU of the server over the window
   * @param machineCores cores the whole machine kept busy over the window (every process)
   * @param lastFiles each client's last accepted file: its id and content, to be read back
   */
  record Result(long count, double perSecond, double[] sortedMillis, long errors, List<String> errorSamples,
      double clientCores, double serverCores, double machineCores, List<LastFile> lastFiles) {}

  /** One uploaded file, to check. */
  record LastFile(String id, byte[] content) {}

  private LeanUploads() {}

  /**
   * {@code clients} connections each upload {@code bytes}-byte random files to {@code server} one after another,
   * {@code warmupSeconds} unmeasured and then {@code seconds} measured.
   */
  static Result run(ServerProcess server, int clients, int bytes, double warmupSeconds, double seconds)
      throws Exception {
    Result r = run(URI.create(server.url()), server.token(), server::cpuSeconds, clients, bytes, warmupSeconds,
        seconds);
    server.checkAlive();
    return r;
  }

  /** As {@link #run(ServerProcess, int, int, double, double)}, to any server at {@code url}. */
  static Result run(URI url, String token, DoubleSupplier serverCpuSeconds, int clients, int bytes,
      double warmupSeconds, double seconds) throws Exception {
    byte[] head = ("POST /v1/files?name=small.bin HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
        + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Length: " + bytes + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    InetSocketAddress address = new InetSocketAddress(url.getHost(), url.getPort());
    return run(c -> new Lean(address, head, bytes), serverCpuSeconds, clients, warmupSeconds, seconds);
  }

  /**
   * One client of the load, on a thread of its own: it makes a fresh random body (untimed), then sends it (timed).
   * {@link LeanUploads}' own is a raw socket; the S3 benchmark's ({@link S3Load}) the AWS SDK's S3 client.
   */
  interface Client {
    /** Makes the next upload's random body. */
    void next(SplittableRandom random);

    /**
     * Sends it: the file stored, or {@link Refused} when the server answered otherwise; an {@link IOException} when
     * the connection broke, after which {@link #close()} is called and the next send starts afresh.
     */
    LastFile send() throws IOException, Refused;

    void close();
  }

  /** The server answered, but not with a stored file: the answer, described. */
  static final class Refused extends Exception {
    Refused(String answer) {
      super(answer, null, false, false);
    }
  }

  /**
   * {@code clients} threads, each with its {@link Client} from {@code newClient}, upload one random file after
   * another, {@code warmupSeconds} unmeasured and then {@code seconds} measured.
   */
  static Result run(IntFunction<Client> newClient, DoubleSupplier serverCpuSeconds, int clients,
      double warmupSeconds, double seconds) throws Exception {
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong errors = new AtomicLong();
    List<String> errorSamples = new ArrayList<>();
    List<double[]> latencies = new ArrayList<>();
    List<LastFile> lastFiles = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      SplittableRandom random = new SplittableRandom(c + 1400);
      Client client = newClient.apply(c);
      threads.add(new Thread(() -> {
        double[] mine = new double[4096];
        int count = 0;
        int failedInARow = 0;
        LastFile last = null;
        while (!stop.get()) {
          try {
            client.next(random);
            boolean measured = measuring.get();
            long start = System.nanoTime();
            LastFile stored = client.send();
            long end = System.nanoTime();
            failedInARow = 0;
            last = stored;
            if (measured && !stop.get()) {
              if (count == mine.length) {
                mine = Arrays.copyOf(mine, count * 2);
              }
              mine[count++] = (end - start) / 1e6;
            }
          } catch (Refused e) {
            failedInARow++;
            error(measuring.get(), errors, errorSamples, e.getMessage());
          } catch (IOException e) {
            failedInARow++;
            error(measuring.get(), errors, errorSamples, "connection: " + ProcessBench.describe(e));
            client.close();
          }
          if (failedInARow >= MAX_FAILURES_IN_A_ROW) {
            synchronized (failures) {
              failures.add(MAX_FAILURES_IN_A_ROW + " failures in a row, the last kept: " + errorSamples);
            }
            stop.set(true);
          }
        }
        client.close();
        synchronized (latencies) {
          latencies.add(Arrays.copyOf(mine, count));
          if (last != null) {
            lastFiles.add(last);
          }
        }
      }, "lean-upload-" + c));
    }
    threads.forEach(Thread::start);
    Thread.sleep((long) (warmupSeconds * 1000));
    double clientCpu = HttpLoad.ownCpuSeconds();
    double serverCpu = serverCpuSeconds.getAsDouble();
    MachineCpu machine = MachineCpu.now();
    long start = System.nanoTime();
    measuring.set(true);
    Thread.sleep((long) (seconds * 1000));
    stop.set(true);
    double elapsed = (System.nanoTime() - start) / 1e9;
    double machineCores = MachineCpu.now().coresSince(machine);
    double clientCores = (HttpLoad.ownCpuSeconds() - clientCpu) / elapsed;
    double serverCores = (serverCpuSeconds.getAsDouble() - serverCpu) / elapsed;
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IOException(failures.get(0));
    }
    double[] all = latencies.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
    // Requests that started before the window and ended in it are not counted: the rate errs low, not high.
    return new Result(all.length, all.length / elapsed, all, errors.get(), List.copyOf(errorSamples), clientCores,
        serverCores, machineCores, List.copyOf(lastFiles));
  }

  /** The lean client: the request (head built once, then the body) written in one write on a kept-alive socket. */
  private static final class Lean implements Client {
    private final InetSocketAddress address;
    private final int headLength;
    private final byte[] request;
    private Connection connection;

    Lean(InetSocketAddress address, byte[] head, int bytes) {
      this.address = address;
      this.headLength = head.length;
      this.request = Arrays.copyOf(head, head.length + bytes);
    }

    @Override
    public void next(SplittableRandom random) {
      fill(random, request, headLength);
    }

    @Override
    public LastFile send() throws IOException, Refused {
      if (connection == null) {
        connection = new Connection(address);
      }
      Answer answer = connection.exchange(request);
      if (answer.close()) {
        close();
      }
      Matcher id = ID.matcher(answer.body());
      if (answer.status() != 201 || !id.find()) {
        throw new Refused("HTTP " + answer.status() + ": " + answer.body().strip());
      }
      return new LastFile(id.group(1), Arrays.copyOfRange(request, headLength, request.length));
    }

    @Override
    public void close() {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    }
  }

  /** A fresh random body after the head, eight bytes at a time. */
  private static void fill(SplittableRandom random, byte[] request, int from) {
    int i = from;
    for (; i + 8 <= request.length; i += 8) {
      long r = random.nextLong();
      for (int b = 0; b < 8; b++) {
        request[i + b] = (byte) (r >>> (8 * b));
      }
    }
    for (; i < request.length; i++) {
      request[i] = (byte) random.nextInt();
    }
  }

  private static void error(boolean measured, AtomicLong errors, List<String> samples, String what) {
    if (!measured) {
      return;
    }
    errors.incrementAndGet();
    synchronized (samples) {
      if (samples.size() < KEPT_ERRORS) {
        samples.add(what.length() > 200 ? what.substring(0, 200) + "..." : what);
      }
    }
  }

  /** An answer: status, body (as text: the API answers JSON), and whether the server closes the connection. */
  record Answer(int status, String body, boolean close) {}

  /** One kept-alive connection. */
  private static final class Connection {
    private final Socket socket = new Socket();
    private final OutputStream out;
    private final InputStream in;

    Connection(InetSocketAddress address) throws IOException {
      socket.setTcpNoDelay(true);
      socket.connect(address, 10_000);
      socket.setSoTimeout(60_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 8192);
    }

    Answer exchange(byte[] request) throws IOException {
      out.write(request);
      String status = line();
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP answer: " + status);
      }
      int code = Integer.parseInt(parts[1]);
      long length = -1;
      boolean chunked = false;
      boolean close = parts[0].equals("HTTP/1.0");
      for (String header = line(); !header.isEmpty(); header = line()) {
        int colon = header.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = header.substring(colon + 1).strip();
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          case "connection" -> close = value.equalsIgnoreCase("close");
          default -> { }
        }
      }
      byte[] body;
      if (chunked) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (int size = Integer.parseInt(line().split(";")[0].strip(), 16); size > 0;
            size = Integer.parseInt(line().split(";")[0].strip(), 16)) {
          all.write(in.readNBytes(size));
          line(); // the chunk's CRLF
        }
        while (!line().isEmpty()) {
          // trailers
        }
        body = all.toByteArray();
      } else if (length >= 0) {
        body = in.readNBytes((int) length);
        if (body.length != length) {
          throw new EOFException("the answer ended after " + body.length + " of " + length + " bytes");
        }
      } else {
        body = in.readAllBytes();
        close = true;
      }
      return new Answer(code, new String(body, StandardCharsets.UTF_8), close);
    }

    /** One header line, without its CRLF; throws at the end of the stream. */
    private String line() throws IOException {
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new EOFException("the server closed the connection");
        }
        if (b != '\r') {
          line.append((char) b);
        }
      }
      return line.toString();
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
