package dev.envelope.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Not a command: the representative run {@code bin/envelope} records its start-up cache from, once per build
 * and JDK (an AOT cache on JDK 24+, a class-data-sharing archive before). A JVM records one process, so this
 * one runs the CLI in-process the way a user does, in both directions: {@code keys create --alias train},
 * {@code encrypt --key train PLAIN CIPHERTEXT}, {@code decrypt CIPHERTEXT PLAIN_AGAIN}. The classes, and on
 * 24+ the method profiles, of all three are then in the cache. It runs on the throwaway home
 * {@code bin/envelope} gives it (ENVELOPE_HOME and ENVELOPE_MASTER_KEY), never on the user's.
 *
 * <p>Usage: {@code java -XX:AOTCacheOutput=F -cp envelope.jar dev.envelope.cli.StartupTraining PLAIN
 * CIPHERTEXT PLAIN_AGAIN}; the exit status is non-zero when any step failed.
 */
public final class StartupTraining {
  private StartupTraining() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: StartupTraining PLAIN CIPHERTEXT PLAIN_AGAIN");
      System.exit(2);
    }
    PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    int status = run(stderr, "keys", "create", "--alias", "train");
    if (status == 0) {
      status = run(stderr, "encrypt", "--key", "train", args[0], args[1]);
    }
    if (status == 0) {
      status = run(stderr, "decrypt", args[1], args[2]);
    }
    System.exit(status);
  }

  private static int run(PrintStream stderr, String... args) {
    return new Cli(System.getenv(), InputStream.nullInputStream(), OutputStream.nullOutputStream(), stderr, false)
        .run(args);
  }
}
