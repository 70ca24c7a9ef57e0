package dev.envelope.pkcs11;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Real SoftHSM2 tokens for tests, in a private token directory: {@code $SOFTHSM2_CONF} (which the pom sets to a
 * path under {@code target/}) is written, and every token below is initialised with {@code softhsm2-util}, once
 * per JVM and before any provider loads the library (SoftHSM reads its configuration then). Without SoftHSM2
 * the tests fail, saying how to install it; they are never skipped.
 */
public final class SoftHsmToken {
  /** The token most tests use. */
  public static final String MAIN = "envelope-main";
  /** A token nobody logs in to, for the wrong-PIN test (a login is shared by the whole process). */
  public static final String LONELY = "envelope-lonely";
  /** A token for the CLI's tests. */
  public static final String CLI = "envelope-cli";
  public static final String PIN = "3141-5926";
  private static final String SO_PIN = "27182818";
  private static final List<String> LABELS = List.of(MAIN, LONELY, CLI);
  private static final Pattern SLOT = Pattern.compile("reassigned to slot (\\d+)");
  private static Map<String, Long> slots;

  private SoftHsmToken() {}

  /** The SoftHSM2 module, where Debian's {@code softhsm2} package puts it. */
  public static Path library() {
    for (String candidate : List.of("/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")) {
      if (Files.isRegularFile(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    throw new IllegalStateException("SoftHSM2 is not installed (no libsofthsm2.so): bin/test installs it,"
        + " or run 'apt-get install softhsm2'");
  }

  /** The slot of the token with this label, initialising all test tokens on first use. */
  public static synchronized long slot(String label) {
    if (slots == null) {
      slots = initialise();
    }
    Long slot = slots.get(label);
    if (slot == null) {
      throw new IllegalArgumentException("no test token " + label);
    }
    return slot;
  }

  /** A configuration of the token with this label by slot number, with the right PIN. */
  public static Pkcs11Config config(String label, Path home) throws Exception {
    return Pkcs11Config.builder(library(), home).slot(slot(label)).pin(PIN.toCharArray()).build();
  }

  /** The environment the CLI reads for this token (its settings pkcs11-library and pkcs11-slot, and the PIN). */
  public static Map<String, String> environment(String label) {
    return Map.of("ENVELOPE_PKCS11_LIBRARY", library().toString(), "ENVELOPE_PKCS11_SLOT",
        Long.toString(slot(label)), "ENVELOPE_PKCS11_PIN", PIN);
  }

  private static Map<String, Long> initialise() {
    String conf = System.getenv("SOFTHSM2_CONF");
    if (conf == null || conf.isBlank()) {
      throw new IllegalStateException("SOFTHSM2_CONF is not set: run the tests through Maven, whose pom sets it");
    }
    Path library = library();
    try {
      Path confFile = Path.of(conf).toAbsolutePath();
      Path dir = confFile.getParent();
      deleteTree(dir);
      Path tokens = Files.createDirectories(dir.resolve("tokens"));
      Files.writeString(confFile, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
          + "log.level = ERROR\nslots.removable = false\n");
      Map<String, Long> out = new LinkedHashMap<>();
      for (String label : LABELS) {
        out.put(label, initToken(confFile, label));
      }
      System.err.println("SoftHSM2 test tokens " + out + " in " + tokens + " (" + library + ")");
      return out;
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("cannot set up the SoftHSM2 test tokens: " + e, e);
    }
  }

  private static long initToken(Path conf, String label) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", label,
        "--so-pin", SO_PIN, "--pin", PIN).redirectErrorStream(true);
    builder.environment().put("SOFTHSM2_CONF", conf.toString());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("softhsm2-util is not installed: bin/test installs it, or run"
          + " 'apt-get install softhsm2'", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("softhsm2-util --init-token failed: " + output);
    }
    Matcher slot = SLOT.matcher(output);
    if (!slot.find()) {
      throw new IllegalStateException("softhsm2-util did not say which slot it used: " + output);
    }
    return Long.parseLong(slot.group(1));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
