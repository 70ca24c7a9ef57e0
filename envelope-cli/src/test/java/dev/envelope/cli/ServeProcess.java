package dev.envelope.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code envelope serve} from the shaded jar as a real process, for the process tests: started on a free port
 * over a given home, and handed over once it printed {@code listening on http://HOST:PORT}.
 *
 * @param process the server process
 * @param url its base URL
 * @param stdout every line it printed up to the listening line (the first admin token among them)
 */
record ServeProcess(Process process, String url, List<String> stdout) {
  private static final Path JAR = Path.of("target", "envelope.jar");
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
  private static final Pattern TOKEN = Pattern.compile("^\\s+(env1\\.[a-z2-7]{16}\\.[A-Za-z0-9_-]{43})$");

  /**
   * Starts {@code java -Xmx<heap> -jar envelope.jar serve --port 0 <args>} with {@code ENVELOPE_HOME} and
   * {@code ENVELOPE_MASTER_KEY} set; its stderr goes to a new file in {@code logs}.
   */
  static ServeProcess start(Path home, String masterKey, Path logs, String heap, String... args) throws IOException {
    return start(home, masterKey, logs, heap, Map.of(), args);
  }

  /** As above, with more environment variables (the backends' settings, AWS profiles). */
  static ServeProcess start(Path home, String masterKey, Path logs, String heap, Map<String, String> env,
      String... args) throws IOException {
    return start(home, masterKey, logs, List.of("-Xmx" + heap), env, args);
  }

  /** As above, with the JVM's options in full: the heap, and any others (a temporary directory of its own). */
  static ServeProcess start(Path home, String masterKey, Path logs, List<String> jvmOptions, Map<String, String> env,
      String... args) throws IOException {
    return start(home, masterKey, logs, jvmOptions, env, 0, args);
  }

  /**
   * As above, on a given port (0: any free one), so that a node killed with {@code kill -9} can come back where its
   * clients look for it.
   */
  static ServeProcess start(Path home, String masterKey, Path logs, List<String> jvmOptions, Map<String, String> env,
      int port, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-XX:+UseSerialGC", "-jar", JAR.toAbsolutePath().toString(), "serve", "--port",
        String.valueOf(port)));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("ENVELOPE_HOME", home.toString());
    builder.environment().put("ENVELOPE_MASTER_KEY", masterKey);
    builder.environment().putAll(env);
    builder.redirectError(logs.resolve("stderr-" + System.nanoTime()).toFile());
    Process process = builder.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    for (String line; (line = out.readLine()) != null; ) {
      lines.add(line);
      Matcher m = LISTENING.matcher(line);
      if (m.matches()) {
        return new ServeProcess(process, m.group(1), lines);
      }
    }
    throw new AssertionError("serve ended without listening: " + lines + " "
        + Files.readString(builder.redirectError().file().toPath()));
  }

  /** The first admin token, if this start printed one. */
  Optional<String> firstToken() {
    return stdout.stream().map(TOKEN::matcher).filter(Matcher::matches).map(m -> m.group(1)).findFirst();
  }
}
