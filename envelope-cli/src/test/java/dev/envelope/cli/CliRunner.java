package dev.envelope.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the real command line in-process with its own environment, stdin, stdout and stderr. */
final class CliRunner {
  final Map<String, String> env = new HashMap<>();

  CliRunner(Path home, String masterKey) {
    env.put("ENVELOPE_HOME", home.toString());
    if (masterKey != null) {
      env.put("ENVELOPE_MASTER_KEY", masterKey);
    }
  }

  Result run(byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = new Cli(env, new ByteArrayInputStream(stdin), out,
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    return new Result(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  Result run(String... args) {
    return run(new byte[0], args);
  }

  static final class Result {
    final int status;
    final byte[] stdout;
    final String stderr;

    Result(int status, byte[] stdout, String stderr) {
      this.status = status;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "exit " + status + ", stdout " + stdout.length + " bytes, stderr: " + stderr;
    }
  }
}
