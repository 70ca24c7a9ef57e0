package dev.envelope.http.sigv4;

import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/** The payload checksums of S3 ({@code x-amz-checksum-*}, as a header or a trailer), each base64 of big-endian bytes. */
enum ChecksumAlgorithm {
  CRC32("CRC32", 4, CRC32::new),
  CRC32C("CRC32C", 4, CRC32C::new),
  CRC64NVME("CRC64NVME", 8, Crc64Nvme::new),
  SHA1("SHA1", 20, null),
  SHA256("SHA256", 32, null);

  private final String displayName;
  private final int length;
  private final Supplier<Checksum> crc;

  ChecksumAlgorithm(String displayName, int length, Supplier<Checksum> crc) {
    this.displayName = displayName;
    this.length = length;
    this.crc = crc;
  }

  /** The header (or trailer) that carries it, e.g. {@code x-amz-checksum-crc32}. */
  String headerName() {
    return "x-amz-checksum-" + name().toLowerCase(java.util.Locale.ROOT);
  }

  /** As S3 names it in messages. */
  String displayName() {
    return displayName;
  }

  /** Its length in bytes. */
  int length() {
    return length;
  }

  static Optional<ChecksumAlgorithm> byHeaderName(String lowerCaseName) {
    for (ChecksumAlgorithm a : values()) {
      if (a.headerName().equals(lowerCaseName)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  PayloadDigest newDigest() {
    if (crc == null) {
      return PayloadDigest.of(Signing.newDigest(this == SHA1 ? "SHA-1" : "SHA-256"));
    }
    Checksum checksum = crc.get();
    return new PayloadDigest() {
      @Override
      public void update(byte[] b, int off, int len) {
        checksum.update(b, off, len);
      }

      @Override
      public byte[] result() {
        long value = checksum.getValue();
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
          out[i] = (byte) (value >>> (8 * (length - 1 - i)));
        }
        return out;
      }
    };
  }

  /** A running digest or checksum of a payload. */
  interface PayloadDigest {
    void update(byte[] b, int off, int len);

    byte[] result();

    static PayloadDigest of(MessageDigest digest) {
      return new PayloadDigest() {
        @Override
        public void update(byte[] b, int off, int len) {
          digest.update(b, off, len);
        }

        @Override
        public byte[] result() {
          return digest.digest();
        }
      };
    }
  }

  /** CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5, all-ones start and final XOR), as S3 computes it. */
  static final class Crc64Nvme implements Checksum {
    private static final long[] TABLE = new long[256];

    static {
      for (int i = 0; i < 256; i++) {
        long c = i;
        for (int k = 0; k < 8; k++) {
          c = (c & 1) != 0 ? (c >>> 1) ^ 0x9A6C9329AC4BC9B5L : c >>> 1;
        }
        TABLE[i] = c;
      }
    }

    private long crc = -1L;

    @Override
    public void update(int b) {
      crc = TABLE[(int) ((crc ^ b) & 0xff)] ^ (crc >>> 8);
    }

    @Override
    public void update(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        update(b[i]);
      }
    }

    @Override
    public long getValue() {
      return ~crc;
    }

    @Override
    public void reset() {
      crc = -1L;
    }
  }
}
