package dev.envelope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.bench.BenchResult.RangeRow;
import dev.envelope.bench.BenchResult.Row;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness must catch a contender that gets it wrong, and the report must then say FAILED. */
class CorrectnessCheckTest {
  private final byte[] data = new byte[4096];
  private final byte[] ciphertext = new byte[4096 + 16];
  private final byte[] decrypted = new byte[4096];
  private final RoundTrip roundTrip = new RoundTrip(0);

  CorrectnessCheckTest() {
    Arrays.fill(data, (byte) 7);
  }

  @Test
  void anHonestContenderPassesAndIsRecorded() throws Exception {
    Measurement enc = new Measurement();
    Measurement dec = new Measurement();
    assertEquals(4096 + 16, roundTrip.run(new Copying(-1, 0), data, ciphertext, decrypted, enc, dec));
    assertEquals(1, enc.count());
    assertEquals(1, dec.count());
  }

  @Test
  void aFlippedByteIsCaught() {
    IOException e = assertThrows(IOException.class,
        () -> roundTrip.run(new Copying(100, 0), data, ciphertext, decrypted, null, null));
    assertTrue(e.getMessage().contains("differs from the input at byte 100"), e.getMessage());
  }

  @Test
  void aWrongCiphertextSizeIsCaught() {
    IOException e = assertThrows(IOException.class,
        () -> roundTrip.run(new Copying(-1, 1), data, ciphertext, decrypted, null, null));
    assertTrue(e.getMessage().contains("ciphertext is"), e.getMessage());
  }

  @Test
  void failedRowsPrintFailedInsteadOfNumbers() throws Exception {
    Options options = Options.parse(new String[] {"--quick"});
    Measurement ok = new Measurement();
    roundTrip.run(new Copying(-1, 0), data, ciphertext, decrypted, ok, new Measurement());
    List<Row> rows = List.of(new Row("baseline", CipherBench.ENCRYPT, ok, 1.0, null),
        new Row("broken", CipherBench.ENCRYPT, null, Double.NaN, "decrypted output differs"));
    Report report = new Report(Map.of("CPU", "test"), options, rows,
        List.of(new RangeRow(65536, 1 << 20, null, "range read differs")), List.of(), 1);
    assertEquals(Report.FAILED, report.throughput().rows().get(1)[2]);
    assertEquals(Report.FAILED, report.ranges().rows().get(0)[1]);
    assertTrue(report.text().contains("FAILED: broken, encrypt: decrypted output differs"), report.text());
    assertTrue(report.markdown().contains("**FAILED**: broken"), report.markdown());
  }

  /** "Encrypts" by copying and appending a fake tag; can flip one plaintext byte or pad the ciphertext. */
  private static final class Copying implements Contender {
    private final int flipAt;
    private final int extra;

    Copying(int flipAt, int extra) {
      this.flipAt = flipAt;
      this.extra = extra;
    }

    @Override
    public String name() {
      return "copying";
    }

    @Override
    public long ciphertextSize(long plaintextSize) {
      return plaintextSize + 16;
    }

    @Override
    public int encrypt(byte[] plaintext, int length, byte[] out) {
      System.arraycopy(plaintext, 0, out, 0, length);
      return length + 16 - extra;
    }

    @Override
    public int decrypt(byte[] in, int length, byte[] plaintext) {
      System.arraycopy(in, 0, plaintext, 0, length - 16);
      if (flipAt >= 0) {
        plaintext[flipAt] ^= 1;
      }
      return length - 16;
    }
  }
}
