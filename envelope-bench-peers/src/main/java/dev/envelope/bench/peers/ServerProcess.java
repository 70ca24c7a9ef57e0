package dev.envelope.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code envelope serve} process on a free loopback port, in a fresh home with a throwaway master key:
 * the shaded CLI jar on the JDK running the bench (or another {@link Jdk}), with {@link #JVM_OPTIONS}. Its stdout
 * gives the first admin token and the URL; its stderr (one log line per upload) goes to a file in the home's
 * directory. Closing it stops the server with SIGTERM (its shutdown hook closes the stores), forcibly after 30 s.
 * With {@code --s3-port 0} ({@link #startWithS3}) it serves the S3 API too, on a second free port, and makes an
 * access key of tenant {@code default} with {@code envelope s3 credentials create} on the same home.
 * The same for a {@link PassThroughServer}, the HTTP stack without the file service.
 */
final class ServerProcess implements AutoCloseable {
  /**
   * A fixed 512 MiB heap (memory stays flat whatever the file size, and a fixed size keeps heap resizing out
   * of the figures) and the parallel collector: a server wants throughput, and on 2 cores it collects with
   * both. bin/envelope's serial collector suits its short single-threaded commands, not 16 clients.
   */
  static final List<String> JVM_OPTIONS = List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC");
  private static final Pattern TOKEN = Pattern.compile("^\\s+(env1\\.[a-z2-7]{16}\\.[A-Za-z0-9_-]{43})$");
  private static final Pattern LISTENING = Pattern.compile("^listening on (http://\\S+)$");
  private static final Pattern S3_LISTENING = Pattern.compile("^S3 API on (http://\\S+) .*$");
  private static final Pattern ACCESS_KEY = Pattern.compile("(?m)^access key id:\\s+(\\S+)$");
  private static final Pattern SECRET_KEY = Pattern.compile("(?m)^secret access key:\\s+(\\S+)$");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final String name;
  private final Jdk jdk;
  private final Process process;
  private final String url;
  private final String token;
  private final String s3Url;
  private final Path stderr;
  private final Thread killer;
  /** The home's environment (its path, its master key): what the CLI needs to work on the server's stores. */
  private Map<String, String> home = Map.of();
  private S3Key s3Key;

  /** An access key of the S3 API: its id and its secret. */
  record S3Key(String id, String secret) {
    @Override
    public String toString() {
      return "S3Key[" + id + "]";
    }
  }

  private ServerProcess(String name, Jdk jdk, Process process, String[] found, Path stderr, Thread killer) {
    this.name = name;
    this.jdk = jdk;
    this.process = process;
    this.url = found[0];
    this.token = found[1];
    this.s3Url = found[2];
    this.stderr = stderr;
    this.killer = killer;
  }

  /** Starts the server with its home at {@code home} (created by the server) and waits until it listens. */
  static ServerProcess start(Path jar, Path home) throws IOException, InterruptedException {
    return start(jar, home, Map.of());
  }

  /**
   * As {@link #start(Path, Path)}, with more environment variables (the backend settings and AWS profile files
   * of a node on the scale-out backends, say); they are set after the home and the master key, so they win.
   */
  static ServerProcess start(Path jar, Path home, Map<String, String> env) throws IOException, InterruptedException {
    return start(jar, home, env, Jdk.current(), JVM_OPTIONS);
  }

  /** As {@link #start(Path, Path, Map)}, on {@code jdk} with {@code jvmOptions} instead of {@link #JVM_OPTIONS}. */
  static ServerProcess start(Path jar, Path home, Map<String, String> env, Jdk jdk, List<String> jvmOptions)
      throws IOException, InterruptedException {
    return start(jar, home, env, jdk, jvmOptions, false);
  }

  /**
   * As {@link #start(Path, Path, Map, Jdk, List)}, serving the S3 API too ({@code --s3-port 0}); then makes an access
   * key for tenant {@code default} ({@link #s3Key()}) with the CLI on the same home, the same JDK.
   */
  static ServerProcess startWithS3(Path jar, Path home, Jdk jdk, List<String> jvmOptions)
      throws IOException, InterruptedException {
    ServerProcess server = start(jar, home, Map.of(), jdk, jvmOptions, true);
    try {
      server.s3Key = s3Credentials(jar, jdk, server.home);
    } catch (IOException | InterruptedException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private static ServerProcess start(Path jar, Path home, Map<String, String> env, Jdk jdk, List<String> jvmOptions,
      boolean s3) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(jar + " is missing: build it with mvn -pl envelope-cli -am package");
    }
    byte[] master = new byte[32];
    new SecureRandom().nextBytes(master);
    List<String> command = new ArrayList<>();
    command.add(jdk.java().toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "serve", "--host", "127.0.0.1", "--port", "0"));
    if (s3) {
      command.addAll(List.of("--s3-port", "0"));
    }
    Map<String, String> all = new java.util.LinkedHashMap<>();
    all.put("ENVELOPE_HOME", home.toString());
    all.put("ENVELOPE_MASTER_KEY", Base64.getEncoder().encodeToString(master));
    all.putAll(env);
    ServerProcess server = launch("envelope serve", jdk, command, all,
        home.resolveSibling(home.getFileName() + "-stderr.log"), true, s3);
    server.home = Map.copyOf(all);
    return server;
  }

  /** {@code envelope s3 credentials create --tenant default} on the server's home (safe while it runs). */
  private static S3Key s3Credentials(Path jar, Jdk jdk, Map<String, String> home)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(jdk.java().toString(), "-jar", jar.toAbsolutePath().toString(), "s3",
        "credentials", "create", "--tenant", "default", "--name", "bench").redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().keySet().removeIf(k -> k.startsWith("ENVELOPE_"));
    builder.environment().putAll(home);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      throw new IOException("envelope s3 credentials create did not end within " + START_TIMEOUT.toSeconds() + " s");
    }
    Matcher id = ACCESS_KEY.matcher(out);
    Matcher secret = SECRET_KEY.matcher(out);
    if (p.exitValue() != 0 || !id.find() || !secret.find()) {
      String first = out.lines().filter(l -> !l.startsWith("secret")).findFirst().orElse("(no output)");
      throw new IOException("envelope s3 credentials create: exit status " + p.exitValue() + ": " + first);
    }
    return new S3Key(id.group(1), secret.group(1));
  }

  /**
   * Starts {@link PassThroughServer} on {@code jdk} with {@link #JVM_OPTIONS}, on this JVM's class path; its stderr
   * goes to {@code stderr}. It needs no token: {@link #token()} is a placeholder it does not check.
   */
  static ServerProcess passThrough(Jdk jdk, Path stderr) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(jdk.java().toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), PassThroughServer.class.getName(),
        "--host", "127.0.0.1", "--port", "0"));
    return launch("the pass-through server", jdk, command, Map.of(), stderr, false, false);
  }

  private static ServerProcess launch(String name, Jdk jdk, List<String> command, Map<String, String> env,
      Path stderr, boolean needsToken, boolean s3) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().keySet().removeIf(k -> k.startsWith("ENVELOPE_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    // Never leave a server behind, whatever happens to the bench.
    Thread killer = new Thread(process::destroyForcibly, "envelope-bench-server-killer");
    Runtime.getRuntime().addShutdownHook(killer);
    CompletableFuture<String[]> ready = CompletableFuture.supplyAsync(() -> readUntilListening(process, s3));
    try {
      String[] found = ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (found == null) {
        throw new IOException(name + " exited before listening: " + lastLine(stderr));
      }
      if (found[1] == null && needsToken) {
        throw new IOException(name + " printed no first admin token (is its home fresh?)");
      }
      if (!needsToken) {
        found[1] = "pass-through";
      }
      return new ServerProcess(name, jdk, process, found, stderr, killer);
    } catch (java.util.concurrent.ExecutionException | TimeoutException | IOException e) {
      process.destroyForcibly();
      process.waitFor();
      Runtime.getRuntime().removeShutdownHook(killer);
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException(name + " did not start within " + START_TIMEOUT.toSeconds() + " s: "
          + lastLine(stderr), e);
    }
  }

  /**
   * {url, token, S3 url} once "listening on" (and with {@code s3} "S3 API on", which follows it) is printed; null if
   * stdout ends first. Then drains stdout.
   */
  private static String[] readUntilListening(Process process, boolean s3) {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String token = null;
    String url = null;
    try {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        Matcher t = TOKEN.matcher(line);
        if (t.matches()) {
          token = t.group(1);
        }
        Matcher l = LISTENING.matcher(line);
        if (l.matches()) {
          url = l.group(1);
        }
        Matcher s = S3_LISTENING.matcher(line);
        if (url != null && (!s3 || s.matches())) {
          Thread drain = new Thread(() -> {
            try {
              out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException e) {
              // the server is gone
            }
          }, "envelope-bench-server-stdout");
          drain.setDaemon(true);
          drain.start();
          return new String[] {url, token, s3 ? s.group(1) : null};
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  String url() {
    return url;
  }

  /** The S3 API's URL ({@link #startWithS3} only, else null). */
  String s3Url() {
    return s3Url;
  }

  /** The access key of tenant {@code default} ({@link #startWithS3} only, else null). */
  S3Key s3Key() {
    return s3Key;
  }

  /** The first admin token (tenant {@code default}). */
  String token() {
    return token;
  }

  /** CPU seconds (user and system) the server has used so far; NaN if the OS does not say. */
  double cpuSeconds() {
    return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  /** Throws if the server died, naming the last line of its log. */
  void checkAlive() throws IOException {
    if (!process.isAlive()) {
      throw new IOException(name + " died (exit status " + process.exitValue() + "): " + lastLine(stderr));
    }
  }

  Jdk jdk() {
    return jdk;
  }

  long pid() {
    return process.pid();
  }

  /** The server's peak resident memory so far in MiB ({@code VmHWM} in /proc); NaN if the OS does not say. */
  double peakRssMib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone
    }
    return Double.NaN;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
    Runtime.getRuntime().removeShutdownHook(killer);
  }

  private static String lastLine(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return lines.isEmpty() ? "(nothing on stderr)" : lines.get(lines.size() - 1).strip();
    } catch (IOException e) {
      return "(stderr unreadable)";
    }
  }
}
