package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.Keyrings;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.KeyUsage;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import dev.envelope.service.local.LocalStores;
import dev.envelope.service.local.SqliteMetadataStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code envelope admin rewrap} process halfway, then a second run: it finishes, no row is
 * lost or left half-changed, none is wrapped twice, and every file still reads back byte for byte.
 */
class RewrapKillIT {
  private static final int FILES = 1500;
  private static final Principal[] WRITERS = {Principal.of("acme", Role.WRITE), Principal.of("globex", Role.WRITE)};

  @TempDir
  Path dir;

  @Test
  void killDashNineMidRewrap_thenARerunFinishes_withEveryRowCurrentAndEveryFileReadable() throws Exception {
    Path home = dir.resolve("home");
    CliRunner cli = new CliRunner(home, Keyrings.newMasterKeyBase64());
    List<FileRecord> stored = new ArrayList<>();
    String root;
    try (HomeNode node = HomeNode.open(cli.env)) {
      for (int i = 0; i < FILES; i++) {
        stored.add(node.files().upload(WRITERS[i % 2], "f" + i, null, new ByteArrayInputStream(content(i))));
      }
      root = ((ManagedKeyService) node.backends().keys).resolveKeyId(node.settings().rootKey());
    }
    assertEquals(0, cli.run("keys", "rotate", root).status);

    Process rewrap = start(cli.env, dir, "admin", "rewrap", "--rate", "300");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long moved = 0;
    while (moved < FILES / 5 && System.nanoTime() < deadline && rewrap.isAlive()) {
      Thread.sleep(50);
      moved = usage(home).filesUnder("local", root, 2);
    }
    assertTrue(rewrap.isAlive(), "the first run must still be going when it is killed");
    rewrap.destroyForcibly(); // SIGKILL
    assertTrue(rewrap.waitFor(30, TimeUnit.SECONDS));
    KeyUsage halfway = usage(home);
    long v1 = halfway.filesUnder("local", root, 1);
    long v2 = halfway.filesUnder("local", root, 2);
    assertTrue(v1 > 0 && v2 >= FILES / 5, "killed halfway: " + v1 + " left, " + v2 + " done");
    assertEquals(FILES, v1 + v2, "no row lost");

    CliRunner.Result second = cli.run("admin", "rewrap");
    assertEquals(0, second.status, second.toString());
    assertTrue(second.out().startsWith("rewrap: " + FILES + " rows, " + v1 + " re-wrapped, " + v2
        + " already current, 0 changed meanwhile, 0 skipped, 0 failed"), second.out());
    assertEquals(FILES, usage(home).filesUnder("local", root, 2));
    assertEquals(0, cli.run("keys", "destroy-version", root, "1").status);

    try (HomeNode node = HomeNode.open(cli.env)) {
      for (int i = 0; i < FILES; i++) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Download d = node.files().download(WRITERS[i % 2], stored.get(i).id())) {
          d.writeTo(out);
        }
        assertArrayEquals(content(i), out.toByteArray(), "file " + i);
      }
    }
  }

  private static KeyUsage usage(Path home) throws Exception {
    try (SqliteMetadataStore store = SqliteMetadataStore.open(home.resolve(LocalStores.DATABASE))) {
      return KeyUsage.of(store, null);
    }
  }

  private static byte[] content(int seed) {
    byte[] data = new byte[100 + seed % 300];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static Process start(Map<String, String> env, Path tmp, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-XX:+UseSerialGC", "-jar", Path.of("target", "envelope.jar").toAbsolutePath()
            .toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("rewrap.out").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("ENVELOPE_"));
    builder.environment().putAll(env);
    return builder.start();
  }

}
