package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.InvalidCiphertextException;
import dev.envelope.core.ManagedKeyService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs one {@code envelope} command line against given streams and environment, so that tests drive exactly
 * what users run. Every failure becomes one line on stderr, {@code envelope: error: MESSAGE [CODE]}, and the
 * exit status of its {@link ErrorCode}; a stack trace appears only with {@code ENVELOPE_DEBUG=1}.
 */
public final class Cli {
  private final Map<String, String> env;
  private final InputStream stdin;
  private final OutputStream stdout;
  private final PrintStream stderr;
  private final boolean terminal;
  private final boolean wholeProcess;

  public Cli(Map<String, String> env, InputStream stdin, OutputStream stdout, PrintStream stderr) {
    this(env, stdin, stdout, stderr, false);
  }

  /**
   * @param terminal whether a person watches stderr: only then do long transfers draw a progress bar there
   */
  public Cli(Map<String, String> env, InputStream stdin, OutputStream stdout, PrintStream stderr,
      boolean terminal) {
    this(env, stdin, stdout, stderr, terminal, false);
  }

  private Cli(Map<String, String> env, InputStream stdin, OutputStream stdout, PrintStream stderr, boolean terminal,
      boolean wholeProcess) {
    this.env = env;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.terminal = terminal;
    this.wholeProcess = wholeProcess;
  }

  /**
   * The command line of the process's entry point, which alone may choose the process's log backend ({@code serve
   * --log-format json}): one run inside a test's JVM must not change how the rest of it logs.
   */
  static Cli ofProcess(Map<String, String> env, InputStream stdin, OutputStream stdout, PrintStream stderr,
      boolean terminal) {
    return new Cli(env, stdin, stdout, stderr, terminal, true);
  }

  /** The same, printing its messages for people on {@code stderr} instead. */
  Cli withStderr(PrintStream stderr) {
    return new Cli(env, stdin, stdout, stderr, terminal, wholeProcess);
  }

  boolean wholeProcess() {
    return wholeProcess;
  }

  /** Runs {@code args} and returns the exit status. */
  public int run(String... args) {
    CommandLine commandLine = new CommandLine(new EnvelopeCommand(this));
    commandLine.setOut(new PrintWriter(new java.io.OutputStreamWriter(stdout, StandardCharsets.UTF_8), true));
    commandLine.setErr(new PrintWriter(stderr, true));
    commandLine.setParameterExceptionHandler((e, args1) -> {
      String command = e.getCommandLine().getCommandSpec().qualifiedName();
      fail(e.getMessage() + " (see '" + command + " --help')", ErrorCode.INVALID_ARGUMENT);
      return ErrorCode.INVALID_ARGUMENT.exitCode();
    });
    commandLine.setExecutionExceptionHandler((e, cl, parsed) -> report(e));
    int status = commandLine.execute(args);
    try {
      stdout.flush();
    } catch (IOException e) {
      return status == 0 ? report(e) : status;
    }
    return status;
  }

  Map<String, String> env() {
    return env;
  }

  InputStream stdin() {
    return stdin;
  }

  OutputStream stdout() {
    return stdout;
  }

  PrintStream stderr() {
    return stderr;
  }

  boolean terminal() {
    return terminal;
  }

  /** Prints a line for the user on stdout. */
  void println(String line) throws IOException {
    stdout.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdout.flush();
  }

  /**
   * The key service {@code ENVELOPE_KEYS} selects (the local keyring by default, see {@link KeyBackend}); only
   * commands that create keys may generate a try-it-out master key.
   */
  ManagedKeyService keyring(String homeOverride, boolean mayGenerateMasterKey) throws EnvelopeException {
    return KeyBackend.open(env, null, homeOverride, mayGenerateMasterKey, stderr);
  }

  private int report(Exception e) {
    Throwable t = e instanceof UncheckedIOException ? e.getCause() : e;
    if ("1".equals(env.get("ENVELOPE_DEBUG"))) {
      t.printStackTrace(stderr);
    }
    if (t instanceof EnvelopeException) {
      return fail(t.getMessage(), ((EnvelopeException) t).code());
    }
    if (t instanceof InvalidCiphertextException) {
      return fail(t.getMessage(), ErrorCode.INVALID_CIPHERTEXT);
    }
    if (t instanceof NoSuchFileException) {
      return fail("no such file: " + ((NoSuchFileException) t).getFile(), ErrorCode.IO);
    }
    if (t instanceof AccessDeniedException) {
      return fail("permission denied: " + ((AccessDeniedException) t).getFile(), ErrorCode.IO);
    }
    if (t instanceof FileAlreadyExistsException || t instanceof NotDirectoryException) {
      return fail("cannot write " + ((java.nio.file.FileSystemException) t).getFile(), ErrorCode.IO);
    }
    if (t instanceof IOException) {
      return fail("I/O error: " + t.getMessage(), ErrorCode.IO);
    }
    if (t instanceof IllegalArgumentException) {
      return fail(t.getMessage(), ErrorCode.INVALID_ARGUMENT);
    }
    return fail("internal error (please report it): " + t.getClass().getName()
        + (t.getMessage() == null ? "" : ": " + t.getMessage())
        + " (set ENVELOPE_DEBUG=1 for details)", ErrorCode.INTERNAL);
  }

  private int fail(String message, ErrorCode code) {
    String oneLine = Printable.of(String.valueOf(message));
    stderr.println("envelope: error: " + oneLine + " [" + code.id() + "]");
    stderr.flush();
    return code.exitCode();
  }
}
