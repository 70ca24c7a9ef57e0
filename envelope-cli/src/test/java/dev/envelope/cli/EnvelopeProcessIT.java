package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.keyring.Keyrings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code envelope.jar}, run as real processes the way {@code bin/envelope} runs it: 1 GiB streams
 * through {@code encrypt - -} and {@code decrypt - -} on a 64 MiB heap, and a tampered file fails with the
 * documented status and no stack trace.
 */
class EnvelopeProcessIT {
  private static final Path JAR = Path.of("target", "envelope.jar");
  private static final long ONE_GIB = 1L << 30;

  @TempDir
  Path dir;

  private final String master = Keyrings.newMasterKeyBase64();

  @Test
  void oneGibStreamsThroughEncryptAndDecryptOnA64MibHeap() throws Exception {
    assertEquals(0, envelope("keys", "create", "--alias", "big").waitFor());
    Process encrypt = envelope("-Xmx64m", "encrypt", "--key", "big", "--context", "size=1g", "-", "-");
    Process decrypt = envelope("-Xmx64m", "decrypt", "--context", "size=1g", "-", "-");
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> feed(encrypt.getOutputStream(), sent),
        EnvelopeJar.THREAD_PER_TASK);
    CompletableFuture<Void> pipe = CompletableFuture.runAsync(
        () -> copy(encrypt.getInputStream(), decrypt.getOutputStream()), EnvelopeJar.THREAD_PER_TASK);
    long count = digest(decrypt.getInputStream(), received);
    feed.get(5, TimeUnit.MINUTES);
    pipe.get(5, TimeUnit.MINUTES);
    assertEquals(0, encrypt.waitFor(), stderr(encrypt));
    assertEquals(0, decrypt.waitFor(), stderr(decrypt));
    assertEquals(ONE_GIB, count);
    assertArrayEquals(sent.digest(), received.digest());
  }

  @Test
  void aTamperedFileFailsWithStatus8AndOneLineOnStderr() throws Exception {
    assertEquals(0, envelope("keys", "create", "--alias", "k").waitFor());
    Path plain = Files.write(dir.resolve("p"), new byte[100_000]);
    assertEquals(0, envelope("encrypt", "--key", "k", plain.toString(), dir.resolve("p.env").toString()).waitFor());
    byte[] enc = Files.readAllBytes(dir.resolve("p.env"));
    enc[enc.length / 2] ^= 1;
    Files.write(dir.resolve("p.env"), enc);
    Process p = envelope("decrypt", dir.resolve("p.env").toString(), dir.resolve("out").toString());
    assertEquals(8, p.waitFor());
    String err = stderr(p);
    assertTrue(err.matches("envelope: error: [^\\n]+ \\[invalid-ciphertext\\]\\n"), err);
    assertTrue(!Files.exists(dir.resolve("out")));
  }

  @Test
  void aDecryptStoppedHalfwayBySigtermLeavesNoPlaintextBehind() throws Exception {
    assertEquals(0, envelope("keys", "create", "--alias", "k").waitFor());
    Path plain = dir.resolve("p");
    try (OutputStream out = Files.newOutputStream(plain)) {
      feedBytes(out, 8L << 20);
    }
    assertEquals(0, envelope("encrypt", "--key", "k", plain.toString(), dir.resolve("p.env").toString()).waitFor());
    byte[] enc = Files.readAllBytes(dir.resolve("p.env"));
    Path outDir = Files.createDirectories(dir.resolve("out"));
    Process decrypt = envelope("decrypt", "-", outDir.resolve("p").toString());
    OutputStream stdin = decrypt.getOutputStream();
    stdin.write(enc, 0, enc.length / 2); // half the file, then the input stalls
    stdin.flush();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (listNames(outDir).isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(listNames(outDir).get(0).startsWith(".envelope-tmp-"), "the decryption is under way");
    // SIGTERM (the same shutdown path as Ctrl-C) through the process handle: Process.destroy() would also
    // close the process's stdin, and the decryption would then fail on the truncated input and clean up.
    assertTrue(decrypt.toHandle().destroy());
    assertTrue(decrypt.waitFor(60, TimeUnit.SECONDS));
    assertEquals(143, decrypt.exitValue(), "ended by the signal, not by the input");
    assertEquals(List.of(), listNames(outDir), "neither the output nor its temporary file may remain");
  }

  private static List<String> listNames(Path dir) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static void feedBytes(OutputStream out, long count) throws IOException {
    byte[] block = new byte[1 << 20];
    Random random = new Random(7);
    for (long sent = 0; sent < count; sent += block.length) {
      random.nextBytes(block);
      out.write(block);
    }
  }

  private Process envelope(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    int i = 0;
    while (i < args.length && args[i].startsWith("-X")) {
      command.add(args[i++]);
    }
    command.add("-XX:+UseSerialGC"); // as bin/envelope runs it
    command.add("-jar");
    command.add(JAR.toAbsolutePath().toString());
    for (; i < args.length; i++) {
      command.add(args[i]);
    }
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("ENVELOPE_HOME", dir.resolve("home").toString());
    builder.environment().put("ENVELOPE_MASTER_KEY", master);
    builder.redirectError(dir.resolve("stderr-" + System.nanoTime()).toFile());
    Process process = builder.start();
    stderrFiles.put(process, builder.redirectError().file().toPath());
    return process;
  }

  private final java.util.Map<Process, Path> stderrFiles = new java.util.HashMap<>();

  private String stderr(Process p) throws IOException {
    return Files.readString(stderrFiles.get(p), StandardCharsets.UTF_8);
  }

  private static void feed(OutputStream out, MessageDigest digest) {
    byte[] block = new byte[1 << 20];
    Random random = new Random(42);
    try (out) {
      for (long sent = 0; sent < ONE_GIB; sent += block.length) {
        random.nextBytes(block);
        digest.update(block);
        out.write(block);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void copy(InputStream in, OutputStream out) {
    try (in; out) {
      in.transferTo(out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long digest(InputStream in, MessageDigest digest) throws IOException {
    byte[] buffer = new byte[1 << 16];
    long total = 0;
    try (in) {
      for (int n; (n = in.read(buffer)) != -1; ) {
        digest.update(buffer, 0, n);
        total += n;
      }
    }
    return total;
  }
}
