package dev.envelope.bench;

import dev.envelope.core.EncryptionContext;
import java.io.PrintStream;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;

/**
 * What another module adds to a {@link CipherBench} run, so that one command measures everything: extra
 * contenders in the stream throughput table, extra report sections, and the options they need. The
 * benchmark-only module {@code envelope-bench-peers} uses it to put the AWS Encryption SDK, {@code age} and
 * {@code openssl} beside Envelope without their jars ever reaching this module (or the product).
 */
public interface BenchExtension {
  /** Adds nothing: the plain cipher benchmark. */
  BenchExtension NONE = new BenchExtension() {};

  /** The main class: the usage text names it (simple name), and so does the Markdown report (in full). */
  default String program() {
    return CipherBench.class.getName();
  }

  /** Lines appended to the usage text's description of what is measured. */
  default List<String> description() {
    return List.of();
  }

  /** Options beyond CipherBench's own, each taking a whole number; read them with {@link Options#extra}. */
  default List<ExtraOption> options() {
    return List.of();
  }

  /**
   * Contenders for the stream throughput table, measured round-robin with the built-in ones over the same
   * data, chunking and correctness check; they appear after Tink's row, and each gets a comparison line
   * against Envelope's cipher.
   *
   * @param rawKey the 32-byte key the built-in contenders use, for contenders that take a raw key
   * @param context the encryption context the built-in contenders bind
   */
  default List<Contender> contenders(Options options, byte[] rawKey, EncryptionContext context)
      throws GeneralSecurityException {
    return List.of();
  }

  /**
   * Measures the extension's own sections. Runs after the options are checked and before the in-memory data
   * is allocated, so that child processes started here do not compete with its arrays for memory.
   */
  default List<Section> sections(Options options, PrintStream log) throws Exception {
    return List.of();
  }

  /** Lines for the report's notes (what the extension's rows are), asked for after everything ran. */
  default List<String> notes() {
    return List.of();
  }

  /**
   * Label/value pairs for the report's Machine section, printed after the JDK's line (other JDKs the extension
   * measured beside it, say); asked for after {@link #sections}.
   */
  default Map<String, String> machine() {
    return Map.of();
  }

  /**
   * The lines of a "Goals" section printed first in the report, one per goal, each with its figure and whether it
   * is met; asked for after everything ran, with the cipher tables' figures. None: no such section.
   */
  default List<String> goals(CipherFigures cipher) {
    return List.of();
  }

  /**
   * An option taking a whole number between {@code min} and {@code max}.
   *
   * @param name the option, with its dashes: {@code --process-reps}
   * @param help the usage text after {@code name N}, e.g. {@code "whole-process repetitions (default 3)"}
   */
  record ExtraOption(String name, int min, int max, String help) {}

  /**
   * A report section: a table with the lines that say what it means.
   *
   * @param title the heading
   * @param settings one sentence of what was measured and how (sizes, repetitions)
   * @param table the figures; failed rows say {@link BenchResult#FAILED} in their cells
   * @param failures why rows failed, one line each; a section with any fails the run
   * @param lines verdicts and comparisons printed under the table
   * @param notes added to the report's notes
   */
  record Section(String title, String settings, Table table, List<String> failures, List<String> lines,
      List<String> notes) {
    public Section {
      failures = List.copyOf(failures);
      lines = List.copyOf(lines);
      notes = List.copyOf(notes);
    }

    public boolean ok() {
      return failures.isEmpty();
    }
  }
}
