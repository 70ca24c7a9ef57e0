package dev.envelope.bench.peers;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Envelope's cipher beside raw JCE on a given JDK: the cipher benchmark's own main ({@code
 * dev.envelope.bench.CipherBench}, every in-memory row, every output checked) in a child JVM on that JDK, at a smaller
 * size than the main run's, its two verdict lines read back. Run on every JDK measured, the bench's own included, so
 * that the JDKs are compared in the same configuration.
 */
final class CipherOnJdk {
  /** The child's arguments in a full run: a quarter of the main run's data, fewer repetitions. */
  static final List<String> ARGS = List.of("--size-mib", "256", "--reps", "3", "--warmup", "1", "--range-reads", "50");
  static final List<String> QUICK_ARGS = List.of("--quick");
  private static final Pattern VERDICT = Pattern.compile(
      "^Verdict, (encrypt|decrypt): Envelope cipher at ([0-9.]+)x raw JCE \\(([0-9]+) vs ([0-9]+) MB/s");

  /** MB/s medians of Envelope's cipher and raw JCE in each direction. */
  record Result(double envelopeEncrypt, double rawEncrypt, double envelopeDecrypt, double rawDecrypt) {
    double encryptRatio() {
      return envelopeEncrypt / rawEncrypt;
    }

    double decryptRatio() {
      return envelopeDecrypt / rawDecrypt;
    }
  }

  private CipherOnJdk() {}

  /** The JVM options and arguments of the child, for the report. */
  static String command(boolean quick) {
    return String.join(" ", jvmOptions(quick)) + " -cp envelope-bench-peers.jar dev.envelope.bench.CipherBench "
        + String.join(" ", quick ? QUICK_ARGS : ARGS);
  }

  private static List<String> jvmOptions(boolean quick) {
    // The three arrays of 256 MiB must fit in the parallel collector's old generation, two thirds of the heap.
    return quick ? List.of("-Xmx256m", "-XX:+UseParallelGC") : List.of("-Xms2g", "-Xmx2g", "-XX:+UseParallelGC");
  }

  /** Runs the child on {@code jdk}; its progress goes to {@code stderr}. Throws unless it passed and said both. */
  static Result run(Jdk jdk, boolean quick, Path stderr) throws Exception {
    List<String> command = new ArrayList<>(List.of(jdk.java().toString()));
    command.addAll(jvmOptions(quick));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.envelope.bench.CipherBench"));
    command.addAll(quick ? QUICK_ARGS : ARGS);
    Process p = new ProcessBuilder(command).redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(900, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      throw new IOException("the cipher benchmark on " + jdk.label() + " timed out");
    }
    if (p.exitValue() != 0) {
      throw new IOException("the cipher benchmark on " + jdk.label() + " exited with status " + p.exitValue() + ": "
          + (out.contains("FAILED") ? "a row FAILED" : lastLines(stderr)));
    }
    double[] figures = new double[4];
    int found = 0;
    for (String line : out.split("\\R")) {
      Matcher m = VERDICT.matcher(line);
      if (m.find()) {
        int at = m.group(1).equals("encrypt") ? 0 : 2;
        figures[at] = Double.parseDouble(m.group(3));
        figures[at + 1] = Double.parseDouble(m.group(4));
        found++;
      }
    }
    if (found != 2) {
      throw new IOException("the cipher benchmark on " + jdk.label() + " printed no verdicts");
    }
    return new Result(figures[0], figures[1], figures[2], figures[3]);
  }

  /** What the child said last on stderr, progress lines left out. */
  private static String lastLines(Path stderr) throws IOException {
    List<String> lines = java.nio.file.Files.readAllLines(stderr, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.startsWith("bench:")).toList();
    return lines.isEmpty() ? "(nothing on stderr)" : String.join(" ", lines.subList(0, Math.min(2, lines.size())))
        .strip();
  }
}
