package dev.envelope.s3;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The bytes of one part (or of a whole small blob) in memory, in chunks allocated as they fill: a 3-byte
 * blob costs one small chunk, not a whole part, and a part may be larger than one Java array can hold (S3
 * allows 5 GiB parts). Not thread-safe: filled by the writer, then handed whole to one uploader.
 */
final class PartBuffer {
  private static final int MAX_CHUNK = 1 << 20;
  private static final int FIRST_CHUNK = 16 << 10;

  private final long capacity;
  private final List<byte[]> chunks = new ArrayList<>();
  private byte[] last;
  private int lastUsed;
  private long size;

  PartBuffer(long capacity) {
    this.capacity = capacity;
  }

  long size() {
    return size;
  }

  boolean isFull() {
    return size == capacity;
  }

  /** Copies as much of {@code b[off, off + len)} as fits; returns how much that was. */
  int put(byte[] b, int off, int len) {
    int n = (int) Math.min(len, capacity - size);
    int done = 0;
    while (done < n) {
      if (last == null || lastUsed == last.length) {
        // Small chunks first, so that small blobs stay small; then 1 MiB chunks.
        int want = chunks.isEmpty() ? FIRST_CHUNK : MAX_CHUNK;
        last = new byte[(int) Math.min(want, capacity - size)];
        lastUsed = 0;
        chunks.add(last);
      }
      int m = Math.min(n - done, last.length - lastUsed);
      System.arraycopy(b, off + done, last, lastUsed, m);
      lastUsed += m;
      size += m;
      done += m;
    }
    return n;
  }

  /** The CRC32C of the contents, base64 of its 4 big-endian bytes, as S3's {@code x-amz-checksum-crc32c}. */
  String crc32c() {
    CRC32C crc = new CRC32C();
    for (int i = 0; i < chunks.size(); i++) {
      crc.update(chunks.get(i), 0, used(i));
    }
    long v = crc.getValue();
    return Base64.getEncoder().encodeToString(
        new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
  }

  /** A new stream over the contents; any number of them may be open (the SDK re-reads for retries). */
  InputStream newStream() {
    return new InputStream() {
      private int chunk;
      private int pos;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
          return 0;
        }
        while (chunk < chunks.size() && pos == used(chunk)) {
          chunk++;
          pos = 0;
        }
        if (chunk == chunks.size()) {
          return -1;
        }
        int n = Math.min(len, used(chunk) - pos);
        System.arraycopy(chunks.get(chunk), pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  private int used(int chunk) {
    return chunk == chunks.size() - 1 ? lastUsed : chunks.get(chunk).length;
  }
}
