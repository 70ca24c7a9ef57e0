package dev.envelope.keyring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.ManagedKeyService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with SIGKILL at any point of a keyring write leaves the keyring as it was before that
 * write or as it is after it, never damaged: the write goes to a temporary file, is fsynced and renamed.
 *
 * <p>Killing at random points rarely lands inside the few microseconds a naive in-place write would be
 * broken (checked: an in-place write with an fsync in the middle survived the kill test). So a second test
 * watches the file name itself during many writes: what a reader can see at any instant is exactly what a
 * process killed at that instant leaves behind.
 */
class KeyringCrashTest {
  private static final Pattern REPORT = Pattern.compile("(?:ready|committed) (\\d{1,9})");
  @TempDir
  Path home;

  @Test
  void atEveryInstantOfManyWrites_theKeyringFileIsAWholeKeyring() throws Exception {
    String master = Keyrings.newMasterKeyBase64();
    ManagedKeyService keyring = Keyrings.open(home, master);
    keyring.createKey("first");
    KeyringFile file = new KeyringFile(home, MasterKey.fromBase64(master, "test"));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    AtomicReference<Throwable> broken = new AtomicReference<>();
    Thread watcher = new Thread(() -> {
      while (writing.get() && broken.get() == null) {
        try {
          if (file.read().keys().isEmpty()) {
            throw new AssertionError("the keyring was seen empty");
          }
          reads.incrementAndGet();
        } catch (Throwable e) {
          broken.set(e);
        }
      }
    });
    watcher.start();
    try {
      for (int i = 0; i < 150 && broken.get() == null; i++) {
        keyring.createKey("write " + i);
      }
    } finally {
      writing.set(false);
      watcher.join(10_000);
    }
    assertEquals(null, broken.get(), "a reader saw a broken keyring after " + reads.get() + " good reads");
    assertTrue(reads.get() > 150, "the watcher read only " + reads.get() + " times");
  }

  @Test
  void aWriterKilledAtRandomPoints_alwaysLeavesTheOldOrTheNewKeyring() throws Exception {
    String master = Keyrings.newMasterKeyBase64();
    Keyrings.open(home, master).createKey("before any crash");
    Random random = new Random(20261127);
    int keys = 1;
    for (int round = 0; round < 6; round++) {
      Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xlog:disable", "-Xlog:all=warning:stderr", "-cp", System.getProperty("java.class.path"),
          KeyringWriter.class.getName(), home.toString(), master)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      AtomicInteger reported = new AtomicInteger(-1);
      List<String> other = new CopyOnWriteArrayList<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = out.readLine()) != null; ) {
            // Only the writer's own lines count, and only upwards: a line cut by the kill ("committed 1" of
            // "committed 15") says less, never more, and the JVM may print a warning of its own (a CI run under
            // load once stopped this reader at one, which then looked like keys written but not reported).
            Matcher m = REPORT.matcher(line);
            if (m.matches()) {
              reported.accumulateAndGet(Integer.parseInt(m.group(1)), Math::max);
            } else {
              other.add(line);
            }
          }
        } catch (Exception e) {
          // the process died: what it reported so far stands
        }
      });
      reader.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (reported.get() < keys + 1 && System.nanoTime() < deadline) { // it is writing now
        Thread.sleep(5);
      }
      Thread.sleep(random.nextInt(200));

      writer.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
      writer.waitFor(30, TimeUnit.SECONDS);
      reader.join(120_000); // every line the writer flushed before it died is in the pipe: read them all
      assertFalse(reader.isAlive(), "the writer's output was read to its end");

      int committed = reported.get();
      int found = Keyrings.open(home, master).listKeys().size(); // throws if the keyring is damaged
      assertTrue(found == committed || found == committed + 1,
          "round " + round + ": " + committed + " writes returned, the keyring holds " + found + " keys; other"
              + " output of the writer: " + other);
      assertTrue(found > keys, "round " + round + ": the writer wrote nothing");
      keys = found;
    }
    assertEquals(keys, Keyrings.open(home, master).listKeys().size());
  }
}
