package dev.envelope.dynamodb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A dynalite (DynamoDB stand-in, npm {@code dynalite@4.0.0}) process on loopback, for tests: started on a free
 * port with its data in a directory, so {@link #restart()} brings it back on the same port with the same
 * tables and items. Runs {@code node <cli.js>}; cli.js is {@code $ENVELOPE_DYNALITE} or
 * {@code ~/.cache/envelope-test-tools/dynalite-4.0.0/node_modules/dynalite/cli.js}, where {@code bin/test}
 * installs it. A missing node or dynalite fails loudly with how to get it; nothing is skipped.
 *
 * <p>The process is killed by {@link #stop()}/{@link #close()} and, failing that, by a JVM shutdown hook.
 * Its output goes to a temporary log file (shown when it fails to start) that {@link #close()} deletes; the
 * data directory belongs to the caller. Not thread-safe: one test thread drives it.
 */
public final class DynaliteFixture implements AutoCloseable {
  private static final String REGION = "us-east-1";
  private static final long START_WITHIN_MS = 20_000;

  private final Path cli;
  private final Path dataDir;
  private final Path log;
  private final int port;
  private final Thread killer;
  private volatile Process process;
  private volatile boolean frozen;

  private DynaliteFixture(Path cli, Path dataDir, Path log, int port) {
    this.cli = cli;
    this.dataDir = dataDir;
    this.log = log;
    this.port = port;
    this.killer = new Thread(this::kill, "dynalite-killer-" + port);
  }

  /** Starts dynalite on a free loopback port with its data in {@code dataDir}, and waits until it answers. */
  public static DynaliteFixture start(Path dataDir) {
    Path cli = findCli();
    try {
      Files.createDirectories(dataDir);
      Path log = Files.createTempFile("dynalite-", ".log");
      IllegalStateException last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        // A free port can be taken by someone else before dynalite binds it: try another one then.
        DynaliteFixture fixture = new DynaliteFixture(cli, dataDir.toAbsolutePath(), log, freePort());
        Runtime.getRuntime().addShutdownHook(fixture.killer);
        try {
          fixture.launch();
          return fixture;
        } catch (IllegalStateException e) {
          fixture.kill();
          fixture.removeHook();
          last = e;
        }
      }
      Files.deleteIfExists(log);
      throw last;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The region to configure ({@value #REGION}); dynalite accepts any. */
  public String region() {
    return REGION;
  }

  /** Static dummy keys: dynalite checks no signatures. */
  public AwsCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDDYNALITE", "dynalite-dummy-secret"));
  }

  /** A configuration for {@code table} on this dynalite, with the default time bounds. */
  public DynamoDbConfig config(String table) {
    return DynamoDbConfig.builder().tableName(table).endpoint(endpoint()).region(region())
        .credentials(credentials()).build();
  }

  /** Kills dynalite (its data stays in the data directory). Does nothing if it is not running. */
  public void stop() {
    kill();
  }

  /** Stops dynalite if it runs, and starts it again on the same port with the same data. */
  public void restart() {
    kill();
    launch();
  }

  /**
   * Suspends dynalite (SIGSTOP) without closing its socket: connections are still accepted by the kernel and
   * nothing answers, like a DynamoDB that hangs. {@link #thaw()}, {@link #stop()} and {@link #close()} undo it.
   */
  public void freeze() {
    signal("-STOP");
    frozen = true;
  }

  /** Resumes a {@link #freeze() frozen} dynalite. */
  public void thaw() {
    if (frozen) {
      signal("-CONT");
      frozen = false;
    }
  }

  /** Stops dynalite for good and deletes its log; the data directory is left to its owner. */
  @Override
  public void close() {
    kill();
    removeHook();
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // A leftover temporary log is harmless.
    }
  }

  private void launch() {
    ProcessBuilder builder = new ProcessBuilder(List.of("node", cli.toString(), "--host", "127.0.0.1",
        "--port", Integer.toString(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0",
        "--path", dataDir.toString()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run `node` (Node.js) for dynalite: install Node.js (bin/test does,"
          + " with apt-get install nodejs npm): " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WITHIN_MS);
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException("dynalite exited with status " + process.exitValue()
            + " on port " + port + ": " + logTail());
      }
      if (answers()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
        throw new IllegalStateException("interrupted while starting dynalite", e);
      }
    }
    kill();
    throw new IllegalStateException("dynalite did not answer on port " + port + " within "
        + START_WITHIN_MS + " ms: " + logTail());
  }

  private void signal(String signal) {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException("dynalite is not running");
    }
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(p.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " " + p.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private boolean answers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    if (frozen) {
      p.destroyForcibly(); // a stopped process would not act on SIGTERM
      frozen = false;
    }
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private void removeHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // The JVM is shutting down: the hook runs anyway.
    }
  }

  private String logTail() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.isBlank() ? "(no output)" : text.substring(Math.max(0, text.length() - 2000)).strip();
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Path findCli() {
    String configured = System.getenv("ENVELOPE_DYNALITE");
    Path cli = configured != null && !configured.isBlank() ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "envelope-test-tools", "dynalite-4.0.0",
            "node_modules", "dynalite", "cli.js");
    if (!Files.isRegularFile(cli)) {
      throw new IllegalStateException("dynalite is not installed at " + cli + ": run bin/test once (it installs"
          + " it), or `npm install --prefix ~/.cache/envelope-test-tools/dynalite-4.0.0 dynalite@4.0.0`,"
          + " or point ENVELOPE_DYNALITE at its cli.js");
    }
    return cli;
  }
}
