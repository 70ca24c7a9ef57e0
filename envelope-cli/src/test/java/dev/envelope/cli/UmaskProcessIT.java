package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code envelope.jar} run as a real process under {@code umask 000} (issue 11): every directory
 * and file it makes in a fresh home is owner-only, 0700 and 0600, whatever the umask would have allowed.
 */
class UmaskProcessIT {
  private static final Path JAR = Path.of("target", "envelope.jar");

  @TempDir
  Path dir;

  @Test
  void keyserverCredentialsCreateOnAFreshHome_makesEveryDirectory0700AndEveryFile0600() throws Exception {
    Path home = dir.resolve("home");
    Process create = envelope(home, "keyserver", "credentials", "create", "--name", "ci");
    assertEquals(0, create.waitFor(), stderr(create));

    Map<String, String> modes = modes(home);
    assertEquals(Map.of("", "rwx------", "keyserver", "rwx------", "keyserver/credentials.json", "rw-------",
        "keyserver/credentials.json.lock", "rw-------"), modes);
  }

  @Test
  void aFirstKeyATokenAndARunningKeyServerOnAFreshHome_makeEverything0700Or0600() throws Exception {
    Path home = dir.resolve("home");
    Process key = envelope(home, "keys", "create", "--alias", "k"); // no master key given: master.key is made
    assertEquals(0, key.waitFor(), stderr(key));
    Process token = envelope(home, "tokens", "create", "--tenant", "acme", "--role", "read");
    assertEquals(0, token.waitFor(), stderr(token));
    Process server = envelope(home, "keyserver", "--port", "0");
    waitForStderr(server, "serving the AWS KMS API");
    assertTrue(server.toHandle().destroy()); // SIGTERM: the server's own shutdown
    assertTrue(server.waitFor(60, TimeUnit.SECONDS));

    Map<String, String> modes = modes(home);
    for (String made : List.of("master.key", "keyring", "keyring.lock", "envelope.db",
        "keyserver", "keyserver/audit.log")) {
      assertTrue(modes.containsKey(made), made + " was made: " + modes);
    }
    modes.forEach((name, mode) -> {
      boolean directory = Files.isDirectory(home.resolve(name));
      assertEquals(directory ? "rwx------" : "rw-------", mode, "'" + name + "' in " + modes);
    });
  }

  /** Every path under {@code home} (relative; "" is home itself) with its permissions. */
  private static Map<String, String> modes(Path home) throws IOException {
    Map<String, String> modes = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(home)) {
      for (Path p : paths.toList()) {
        modes.put(home.relativize(p).toString(),
            PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
      }
    }
    return modes;
  }

  /** {@code envelope ARGS} as {@code bin/envelope} runs it, under {@code umask 000}, on {@code home}. */
  private Process envelope(Path home, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("sh", "-c", "umask 000 && exec \"$@\"", "sh",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("ENVELOPE_HOME", home.toString());
    builder.environment().keySet().removeIf(name -> name.startsWith("ENVELOPE_") && !name.equals("ENVELOPE_HOME"));
    builder.redirectErrorStream(false);
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.redirectError(dir.resolve("stderr-" + System.nanoTime()).toFile());
    Process process = builder.start();
    stderrFiles.put(process, builder.redirectError().file().toPath());
    return process;
  }

  private final Map<Process, Path> stderrFiles = new java.util.HashMap<>();

  private String stderr(Process p) throws IOException {
    return Files.readString(stderrFiles.get(p), StandardCharsets.UTF_8);
  }

  private void waitForStderr(Process p, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!stderr(p).contains(text)) {
      assertTrue(p.isAlive(), "the process ended: " + stderr(p));
      assertTrue(System.nanoTime() < deadline, "no '" + text + "' in: " + stderr(p));
      Thread.sleep(50);
    }
  }
}
