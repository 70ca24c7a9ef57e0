package dev.envelope.bench.peers;

import dev.envelope.bench.Sizes;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeCipher;
import dev.envelope.core.WrappedKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the server's figures are read against, measured in the same run: Envelope's cipher in-process (the
 * server's cipher, {@link EnvelopeCipher#create()}, 64 KiB segments, streaming through 64 KiB writes and reads
 * as the server does), the disk's durable write rate (one file written and fsynced, as {@code dd conv=fsync}
 * does) and its rate of small durable files (create, write 4 KiB, fsync, close) from concurrent threads.
 */
final class Baselines {
  private static final int CHUNK = 64 * Sizes.KIB;
  /** The in-process plaintext: this much random data, repeated; the ciphertext is held in pieces this big. */
  private static final int PIECE = 16 * Sizes.MIB;

  private final long size;
  private final byte[] plaintext = new byte[PIECE];
  private final List<byte[]> ciphertext = new ArrayList<>();
  private final DataKey key;
  private final EncryptionContext context = EncryptionContext.of("bench", "http-baseline");

  /** @param size bytes of plaintext per in-process pass and per durable write */
  Baselines(long size) {
    this.size = size;
    new SplittableRandom().nextBytes(plaintext);
    byte[] raw = new byte[DataKey.SIZE_BYTES];
    new SecureRandom().nextBytes(raw);
    key = DataKey.of(raw, WrappedKey.of("bench", 1, new byte[] {1}));
    // Allocated (and so zeroed, touched) before anything is timed.
    long ciphertextSize = EnvelopeCipher.create().ciphertextSize(size);
    for (long left = ciphertextSize; left > 0; left -= PIECE) {
      ciphertext.add(new byte[(int) Math.min(PIECE, left)]);
    }
  }

  /** Seconds to encrypt {@link #size} bytes in-process into memory. */
  double encrypt() throws IOException {
    PiecesSink sink = new PiecesSink(ciphertext);
    long start = System.nanoTime();
    try (OutputStream out = EnvelopeCipher.create().newEncryptingStream(key, context, sink)) {
      for (long left = size; left > 0; ) {
        int offset = (int) ((size - left) % PIECE);
        int n = (int) Math.min(Math.min(CHUNK, left), PIECE - offset);
        out.write(plaintext, offset, n);
        left -= n;
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Seconds to decrypt what {@link #encrypt} wrote; checks the plaintext against what was encrypted. */
  double decrypt() throws IOException {
    byte[] buffer = new byte[CHUNK];
    long position = 0;
    long start = System.nanoTime();
    try (InputStream in = EnvelopeCipher.create().newDecryptingStream(key, context, new PiecesSource(ciphertext))) {
      for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
        for (int done = 0; done < n; ) {
          int offset = (int) ((position + done) % PIECE);
          int m = Math.min(n - done, PIECE - offset);
          if (!Arrays.equals(buffer, done, done + m, plaintext, offset, offset + m)) {
            throw new IOException("in-process decryption differs from the plaintext near byte " + (position + done));
          }
          done += m;
        }
        position += n;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (position != size) {
      throw new IOException("in-process decryption gave " + position + " bytes, expected " + size);
    }
    return seconds;
  }

  /**
   * Writes {@link #size} bytes to a new file in {@code dir} in 1 MiB writes and fsyncs it; returns the seconds
   * of the writes (into the page cache) and of the fsync.
   */
  double[] durableWrite(Path dir) throws IOException {
    Path file = dir.resolve("disk-baseline.bin");
    ByteBuffer buffer = ByteBuffer.wrap(plaintext, 0, Sizes.MIB);
    long start = System.nanoTime();
    try {
      try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (long left = size; left > 0; left -= Sizes.MIB) {
          buffer.clear().limit((int) Math.min(Sizes.MIB, left));
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
        }
        long written = System.nanoTime();
        out.force(true);
        // The delete is outside the time, as it is outside dd's.
        return new double[] {(written - start) / 1e9, (System.nanoTime() - written) / 1e9};
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * Small durable files per second: {@code threads} threads for {@code seconds} each write 4 KiB files in
   * {@code dir} one after another; returns the rate and every latency in ms. {@code asBlobStore} false: create,
   * write, fsync, close. True: what the server's directory blob store does for one blob, create, write, fsync
   * and close a temporary file, hard-link it under one of 256 fan-out directories, fsync that directory,
   * remove the temporary name.
   */
  static SmallFiles smallFiles(Path dir, int threads, double seconds, boolean asBlobStore) throws Exception {
    Path where = Files.createDirectories(dir.resolve("fsync-baseline"));
    Path tmp = Files.createDirectories(where.resolve(".tmp"));
    for (int d = 0; d < 256 && asBlobStore; d++) {
      Files.createDirectories(where.resolve(String.format("%02x", d)));
    }
    AtomicBoolean stop = new AtomicBoolean();
    List<double[]> latencies = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    byte[] block = new byte[4 * Sizes.KIB];
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers.add(new Thread(() -> {
        double[] mine = new double[1024];
        int count = 0;
        SplittableRandom random = new SplittableRandom(id);
        try {
          for (int i = 0; !stop.get(); i++) {
            Path file = (asBlobStore ? tmp : where).resolve(id + "-" + i);
            long start = System.nanoTime();
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
              out.write(ByteBuffer.wrap(block));
              out.force(true);
            }
            if (asBlobStore) {
              Path fanOut = where.resolve(String.format("%02x", random.nextInt(256)));
              Files.createLink(fanOut.resolve(id + "-" + i), file);
              try (FileChannel d = FileChannel.open(fanOut, StandardOpenOption.READ)) {
                d.force(true);
              }
              Files.delete(file);
            }
            if (count == mine.length) {
              mine = Arrays.copyOf(mine, count * 2);
            }
            mine[count++] = (System.nanoTime() - start) / 1e6;
          }
        } catch (Exception e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
        synchronized (latencies) {
          latencies.add(Arrays.copyOf(mine, count));
        }
      }, "fsync-baseline-" + t));
    }
    double cpu = HttpLoad.ownCpuSeconds();
    long start = System.nanoTime();
    workers.forEach(Thread::start);
    Thread.sleep((long) (seconds * 1000));
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    double cores = (HttpLoad.ownCpuSeconds() - cpu) / elapsed;
    ProcessBench.deleteTree(where);
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    double[] all = latencies.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
    return new SmallFiles(all.length / elapsed, all, cores);
  }

  /** Small durable files: the rate per second, every latency in ms (sorted), CPU cores used (kernel included). */
  record SmallFiles(double perSecond, double[] sortedMillis, double cores) {}

  /** Writes into the pieces in order. */
  private static final class PiecesSink extends OutputStream {
    private final List<byte[]> pieces;
    private int piece;
    private int offset;

    PiecesSink(List<byte[]> pieces) {
      this.pieces = pieces;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (piece == pieces.size()) {
          throw new IOException("the ciphertext is longer than expected");
        }
        byte[] target = pieces.get(piece);
        int n = Math.min(len, target.length - offset);
        System.arraycopy(b, off, target, offset, n);
        off += n;
        len -= n;
        offset += n;
        if (offset == target.length) {
          piece++;
          offset = 0;
        }
      }
    }
  }

  /** Reads the pieces in order. */
  private static final class PiecesSource extends InputStream {
    private final List<byte[]> pieces;
    private int piece;
    private int offset;

    PiecesSource(List<byte[]> pieces) {
      this.pieces = pieces;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (piece == pieces.size()) {
        return -1;
      }
      byte[] source = pieces.get(piece);
      int n = Math.min(len, source.length - offset);
      System.arraycopy(source, offset, b, off, n);
      offset += n;
      if (offset == source.length) {
        piece++;
        offset = 0;
      }
      return n;
    }
  }
}
