package dev.envelope.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code envelope} command's entry point: wires the real process streams and environment. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Raw descriptors: System.out is a PrintStream that swallows write errors (a closed pipe must fail).
    FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
    PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    Cli cli = Cli.ofProcess(System.getenv(), new FileInputStream(FileDescriptor.in),
        new BufferedOutputStream(stdout, 1 << 16), stderr, stderrIsTerminal());
    int status = cli.run(args);
    System.exit(status);
  }

  /**
   * Whether a person watches stderr, which is when a progress bar is welcome. On Linux, /proc says where
   * descriptor 2 goes, so {@code ID=$(envelope upload big.iso)} still shows one; elsewhere System.console()
   * is the JDK's nearest answer (it needs stdin and stdout on a terminal too).
   */
  static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }
}
