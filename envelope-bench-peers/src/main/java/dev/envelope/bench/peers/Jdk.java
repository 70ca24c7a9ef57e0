package dev.envelope.bench.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A JDK the benchmark starts processes on (servers, the CLI, the cipher benchmark): its home, its feature release
 * and what its {@code release} file says it is. The bench's own JDK comes first; {@code bin/bench} names the others
 * to measure beside it in {@value #PROPERTY} (homes separated by commas), found by {@code bin/lib/java.sh}'s rule.
 *
 * @param home the JDK's directory ({@code java.home})
 * @param feature its feature release (17, 25...)
 * @param description vendor and full version, for the report
 */
record Jdk(Path home, int feature, String description) {
  /** The system property naming the other JDKs' homes. */
  static final String PROPERTY = "bench.jdks";

  /** The JDK running the bench. */
  static Jdk current() {
    return new Jdk(Path.of(System.getProperty("java.home")), Runtime.version().feature(),
        System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
            + System.getProperty("java.runtime.version"));
  }

  /** The JDK at {@code home}, from its {@code release} file; fails if it is not a JDK. */
  static Jdk at(Path home) throws IOException {
    Path release = home.resolve("release");
    if (!Files.isExecutable(home.resolve("bin").resolve("java")) || !Files.isRegularFile(release)) {
      throw new IOException(home + " is not a JDK (no bin/java or release file)");
    }
    Map<String, String> fields = new TreeMap<>();
    for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        fields.put(line.substring(0, eq), line.substring(eq + 1).replaceAll("^\"|\"$", ""));
      }
    }
    String version = fields.getOrDefault("JAVA_VERSION", "");
    String digits = version.startsWith("1.") ? version.substring(2) : version;
    int feature;
    try {
      feature = Integer.parseInt(digits.split("[.+-]")[0]);
    } catch (NumberFormatException e) {
      throw new IOException(release + " names no Java version");
    }
    String vendor = fields.getOrDefault("IMPLEMENTOR", "unknown vendor");
    String runtime = fields.getOrDefault("JAVA_RUNTIME_VERSION", version);
    return new Jdk(home.toRealPath(), feature, vendor + " " + runtime);
  }

  /**
   * The JDKs to measure: this one first, then those {@code property} names (comma-separated homes; blank or null:
   * none), each once; a home that is not a JDK 17 or later is reported to {@code skipped} and left out.
   */
  static List<Jdk> sideBySide(String property, List<String> skipped) {
    List<Jdk> jdks = new ArrayList<>(List.of(current()));
    if (property == null || property.isBlank()) {
      return jdks;
    }
    for (String home : property.split(",")) {
      if (home.isBlank()) {
        continue;
      }
      try {
        Jdk jdk = at(Path.of(home.strip()));
        if (jdk.feature() < 17) {
          skipped.add(home + " is Java " + jdk.feature() + "; Envelope needs 17 or later");
        } else if (jdks.stream().noneMatch(j -> same(j.home(), jdk.home()))) {
          jdks.add(jdk);
        }
      } catch (IOException e) {
        skipped.add(e.getMessage());
      }
    }
    return jdks;
  }

  private static boolean same(Path a, Path b) {
    try {
      return a.toRealPath().equals(b.toRealPath());
    } catch (IOException e) {
      return a.equals(b);
    }
  }

  Path java() {
    return tool("java");
  }

  /** A command of this JDK ({@code jcmd}, say). */
  Path tool(String name) {
    return home.resolve("bin").resolve(name);
  }

  /** "JDK 25": how rows and columns name it. */
  String label() {
    return "JDK " + feature;
  }

  /**
   * bin/envelope's start-up cache of {@code cliJar} for this JDK (an AOT cache on 24+, a class-data-sharing archive
   * before) and the JVM option that uses it; null when it is missing or older than the jar.
   */
  String startupCacheOption(Path cliJar) throws IOException {
    boolean aot = feature >= 24;
    Path cache = cliJar.resolveSibling("envelope-jdk" + feature + (aot ? ".aot" : ".jsa"));
    if (Files.isRegularFile(cache) && Files.isRegularFile(cliJar)
        && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(cliJar)) > 0) {
      return (aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cache;
    }
    return null;
  }
}
