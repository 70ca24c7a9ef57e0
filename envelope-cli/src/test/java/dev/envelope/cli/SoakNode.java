package dev.envelope.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code envelope serve} node of the soak, as a real process that can be killed with {@code kill -9} and
 * started again on the same port over the same settings, so that clients keep its URL. Each start (a
 * "lifetime") logs to its own stderr file and garbage-collection log under the node's directory.
 */
final class SoakNode {
  final String name;
  private final Path dir;
  private final Map<String, String> env;
  private final String[] args;
  private volatile ServeProcess process;
  private volatile int lifetime;
  private int port;

  private SoakNode(String name, Path dir, Map<String, String> env, String[] args) {
    this.name = name;
    this.dir = dir;
    this.env = env;
    this.args = args;
  }

  /** Starts a node on a free port; later starts reuse that port. */
  static SoakNode start(String name, Path dir, Map<String, String> env, String... args) throws IOException {
    SoakNode node = new SoakNode(name, Files.createDirectories(dir), env, args);
    node.launch();
    return node;
  }

  private synchronized void launch() throws IOException {
    lifetime++;
    Path logs = Files.createDirectories(dir.resolve("lifetime-" + lifetime));
    List<String> jvm = List.of("-Xmx512m", "-Xlog:gc:file=" + gcLog(lifetime) + "::filecount=0");
    process = ServeProcess.start(Files.createDirectories(dir.resolve("home")), "unused-by-aws-kms", logs, jvm, env,
        port, args);
    port = Integer.parseInt(process.url().substring(process.url().lastIndexOf(':') + 1));
  }

  /** {@code kill -9}, and waits until the process is gone. */
  synchronized void kill() throws InterruptedException {
    process.process().destroyForcibly();
    if (!process.process().waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("node " + name + " survived kill -9 for 30 s");
    }
  }

  /** Starts the node again on its port (after {@link #kill()}); retries while the port is still held. */
  synchronized void restart() throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        launch();
        return;
      } catch (AssertionError e) { // serve ended without listening: the port may still be taken for a moment
        last = new IOException(e.getMessage(), e);
        Thread.sleep(500);
      }
    }
    throw last;
  }

  /** Stops the node (SIGTERM, then SIGKILL after 30 s). */
  synchronized void stop() throws InterruptedException {
    process.process().destroy();
    if (!process.process().waitFor(30, TimeUnit.SECONDS)) {
      process.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  ServeProcess process() {
    return process;
  }

  String url() {
    return process.url();
  }

  int port() {
    return port;
  }

  /** Which start of the node this is: 1 for the first. */
  int lifetime() {
    return lifetime;
  }

  Path gcLog(int lifetime) {
    return dir.resolve("lifetime-" + lifetime).resolve("gc.log");
  }

  /** Every stderr file of every lifetime, oldest first. */
  List<Path> stderrFiles() throws IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("stderr-")).sorted().toList();
    }
  }
}
