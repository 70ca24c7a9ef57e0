package dev.envelope.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster for tests: {@code initdb} in a directory of its own, a server on a free port
 * of 127.0.0.1 (TCP only for clients, password-authenticated with SCRAM), {@code fsync=off}. Made with the
 * newest {@code /usr/lib/postgresql/<version>/bin} (Debian's layout; {@code bin/test} installs it).
 *
 * <p>When the JVM runs as root (as in CI), {@code initdb} and the server run as the {@code postgres} user
 * ({@code runuser -u postgres --}): the directory is then handed to that user, and directories above it under
 * the system temporary directory get the execute bit for others (traverse only, no listing) where they lack it.
 *
 * <p>Use: {@link #start(Path)}, then {@link #createDatabase()} for a fresh database per test and
 * {@link #config(String)} for a store's configuration; {@link #stop()} and {@link #restart()} simulate an
 * outage (same port, same data); {@link #close()} stops the server and deletes the directory. A JVM shutdown
 * hook stops a server still running. Thread-safe.
 */
public final class PostgresFixture implements AutoCloseable {
  private static final Path BIN_ROOT = Path.of("/usr/lib/postgresql");
  private static final String USER = "envelope_test";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Path dir;
  private final Path data;
  private final Path bin;
  private final boolean asPostgres;
  private int port;
  private final String password;
  private final AtomicInteger databases = new AtomicInteger();
  private final Thread shutdownHook;
  private boolean running;
  private boolean closed;

  private PostgresFixture(Path dir, Path bin, boolean asPostgres, int port, String password) {
    this.dir = dir;
    this.data = dir.resolve("data");
    this.bin = bin;
    this.asPostgres = asPostgres;
    this.port = port;
    this.password = password;
    this.shutdownHook = new Thread(this::stopQuietly, "postgres-fixture-shutdown");
  }

  /**
   * Makes a cluster in {@code dir} (created if missing; should be empty) and starts it.
   *
   * @throws IllegalStateException if PostgreSQL is not installed or does not start (with its log)
   */
  public static PostgresFixture start(Path dir) {
    Path bin = findBin();
    try {
      Files.createDirectories(dir);
      boolean root = isRoot();
      if (root) {
        makeReachableByOthers(dir);
        UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, postgres);
      }
      Files.setPosixFilePermissions(dir, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE));
      byte[] secret = new byte[16];
      new SecureRandom().nextBytes(secret);
      String password = HexFormat.of().formatHex(secret);
      PostgresFixture fixture = new PostgresFixture(dir, bin, root, freePort(), password);
      fixture.init();
      return fixture;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the PostgreSQL directory " + dir, e);
    }
  }

  /** The JDBC URL of {@code database} on this server. */
  public synchronized String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** A new, empty database owned by {@link #user()}, with a name never used before in this cluster. */
  public String createDatabase() {
    String name = "envelope_" + databases.incrementAndGet();
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, password);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a PostgreSQL database: " + e.getMessage(), e);
    }
    return name;
  }

  /** The role tests log in as: it owns the databases of {@link #createDatabase()} and may create more. */
  public String user() {
    return USER;
  }

  /** Its password (random per fixture). */
  public String password() {
    return password;
  }

  /** The server's TCP port (the same after {@link #restart()}). */
  public synchronized int port() {
    return port;
  }

  /** A store configuration for {@code database}: this user and password, a 2 s connection timeout, 4 connections. */
  public PostgresConfig config(String database) {
    return PostgresConfig.builder(jdbcUrl(database)).user(USER).password(password).maxPoolSize(4)
        .connectionTimeout(Duration.ofSeconds(2)).build();
  }

  /** The cluster's data directory (owned by the {@code postgres} user when the JVM runs as root). */
  public Path dataDir() {
    return data;
  }

  /**
   * Runs {@code CHECKPOINT} as the superuser: what is committed reaches the WAL and data files on disk (this
   * cluster runs with {@code synchronous_commit=off}), so a test can look at them.
   */
  public synchronized void checkpoint() {
    run(List.of(bin.resolve("psql").toString(), "-h", dir.toString(), "-p", String.valueOf(port), "-U", "postgres",
        "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", "CHECKPOINT"));
  }

  /** Stops the server (fast shutdown: open connections are cut). The data stays. */
  public synchronized void stop() {
    if (running) {
      pgCtl("stop", "-m", "fast");
      running = false;
    }
  }

  /** Starts the stopped server again, on the same port with the same data; a running one is left alone. */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("the PostgreSQL fixture is closed");
    }
    if (!running) {
      startServer();
    }
  }

  /** Stops the server and deletes the directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    stop();
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the PostgreSQL directory " + dir, e);
    }
  }

  // --- the cluster

  private void init() {
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth-local=trust",
        "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"));
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    for (int attempt = 1; ; attempt++) {
      try {
        startServer();
        break;
      } catch (IllegalStateException e) {
        if (attempt == 3 || !e.getMessage().contains("could not bind")) {
          throw e;
        }
        port = freePortOrFail(); // another process took the port between our probe and the start
      }
    }
    // The superuser logs in over the Unix socket only (trust, inside a 0700 directory); tests use TCP.
    run(List.of(bin.resolve("psql").toString(), "-h", dir.toString(), "-p", String.valueOf(port), "-U", "postgres",
        "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c",
        "CREATE ROLE " + USER + " LOGIN CREATEDB PASSWORD '" + password + "'"));
  }

  private synchronized void startServer() {
    String options = "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir + " -c fsync=off"
        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
    pgCtl("start", "-w", "-t", String.valueOf(WAIT.toSeconds()), "-l", dir.resolve("postgres.log").toString(),
        "-o", options);
    running = true;
  }

  private void pgCtl(String action, String... args) {
    List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), action, "-D", data.toString()));
    command.addAll(List.of(args));
    run(command);
  }

  private void stopQuietly() {
    try {
      synchronized (this) {
        if (running) {
          pgCtl("stop", "-m", "immediate");
          running = false;
        }
      }
    } catch (RuntimeException e) {
      // the JVM is going away; nothing more to do
    }
  }

  private void run(List<String> command) {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Path output = null;
    try {
      output = Files.createTempFile("postgres-fixture", ".out");
      Process process = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      if (!process.waitFor(WAIT.toSeconds() + 10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("PostgreSQL command timed out: " + String.join(" ", command));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("PostgreSQL command failed (exit " + process.exitValue() + "): "
            + String.join(" ", command) + "\n" + Files.readString(output, StandardCharsets.UTF_8) + log());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException e) {
          // a temporary file of a few bytes
        }
      }
    }
  }

  private String log() {
    try {
      Path log = dir.resolve("postgres.log");
      return Files.exists(log) ? "\n--- postgres.log:\n" + Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  // --- the machine

  private static Path findBin() {
    try (Stream<Path> versions = Files.exists(BIN_ROOT) ? Files.list(BIN_ROOT) : Stream.empty()) {
      return versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
          .max(Comparator.comparingInt(PostgresFixture::majorVersion))
          .map(v -> v.resolve("bin"))
          .orElseThrow(() -> new IllegalStateException("PostgreSQL is not installed (no " + BIN_ROOT
              + "/<version>/bin/initdb): run bin/test, or apt-get install -y postgresql"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look for PostgreSQL in " + BIN_ROOT, e);
    }
  }

  private static int majorVersion(Path versionDir) {
    try {
      return Integer.parseInt(versionDir.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isRoot() throws IOException {
    return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
  }

  /** Gives others the execute bit on directories above {@code dir} in the temporary directory that lack it. */
  private static void makeReachableByOthers(Path dir) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
    for (Path p = dir.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
      if (!permissions.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        if (!p.startsWith(tmp)) {
          throw new IllegalStateException("the postgres user cannot reach " + dir + ": " + p
              + " lacks o+x; put the fixture's directory under " + tmp);
        }
        permissions.add(PosixFilePermission.OTHERS_EXECUTE);
        Files.setPosixFilePermissions(p, permissions);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static int freePortOrFail() {
    try {
      return freePort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }
}
