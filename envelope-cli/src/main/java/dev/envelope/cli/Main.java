package dev.envelope.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The {@code envelope} command's entry point: wires the real process streams and environment. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Raw descriptors: System.out is a PrintStream that swallows write errors (a closed pipe must fail).
    FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
    PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    // System.console() is there when the process is attached to a terminal (not piped or redirected): the
    // closest the JDK comes to "a person watches stderr", which is when a progress bar is welcome.
    Cli cli = new Cli(System.getenv(), new FileInputStream(FileDescriptor.in),
        new BufferedOutputStream(stdout, 1 << 16), stderr, System.console() != null);
    int status = cli.run(args);
    System.exit(status);
  }
}
