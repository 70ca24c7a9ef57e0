package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The shaded {@code envelope.jar} run as a command, for the process tests. */
final class EnvelopeJar {
  private static final Path JAR = Path.of("target", "envelope.jar");

  /**
   * Runs each task on a fresh daemon thread. Not the common pool: on 2 cores it has one thread (JDK 25 runs
   * CompletableFuture's async tasks there; 17 started a thread per task), so two tasks that pump the pipes of one
   * process would run one after the other and deadlock once a pipe is full.
   */
  static final java.util.concurrent.Executor THREAD_PER_TASK = task -> {
    Thread thread = new Thread(task, "envelope-test-pipe");
    thread.setDaemon(true);
    thread.start();
  };

  private EnvelopeJar() {}

  /**
   * Runs {@code envelope ARGS} with {@code stdin}, a {@code java.io.tmpdir} of its own, and {@code env} as its
   * only {@code ENVELOPE_*} variables; fails unless it exits with 0 within 60 s.
   *
   * @return what it wrote to stdout
   */
  static byte[] run(Map<String, String> env, Path tmp, byte[] stdin, String... args) throws Exception {
    CliRunner.Result r = exec(env, tmp, stdin, args);
    assertEquals(0, r.status, "envelope " + String.join(" ", args) + ": " + r.stderr);
    return r.stdout;
  }

  /**
   * As {@link #run}, whatever the exit status: the status, stdout and stderr, for tests of what a command says
   * when it fails (and that nothing else is said around it).
   */
  static CliRunner.Result exec(Map<String, String> env, Path tmp, byte[] stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-XX:-UsePerfData", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
        JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(k -> k.startsWith("ENVELOPE_"));
    builder.environment().putAll(env);
    Process p = builder.start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()), THREAD_PER_TASK);
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), THREAD_PER_TASK);
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("envelope " + String.join(" ", args) + " did not finish");
    }
    return new CliRunner.Result(p.exitValue(), out.get(), new String(err.get(), StandardCharsets.UTF_8));
  }

  /** Starts the jar as a long-running process (a server); its output goes to files under {@code tmp}. */
  static Process start(Map<String, String> env, Path tmp, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-XX:-UsePerfData", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
        JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(tmp.resolve("server.out").toFile())
        .redirectError(tmp.resolve("server.err").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("ENVELOPE_"));
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Waits until something accepts connections on {@code port} of 127.0.0.1 (at most 60 s), or the process ended. */
  static void awaitListening(Process p, int port) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (!p.isAlive()) {
        throw new AssertionError("the server ended with status " + p.exitValue());
      }
      try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (java.io.IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("nothing listens on port " + port);
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
