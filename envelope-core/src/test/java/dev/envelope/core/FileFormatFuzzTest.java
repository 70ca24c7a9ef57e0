package dev.envelope.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;
import java.util.Set;

/**
 * Fuzz tests of what an Envelope file holds, read from untrusted bytes (docs/FUZZING.md). Each input is a
 * file in {@code FileFormatFuzzTestInputs/<method>/}; {@code bin/test} replays them, {@code bin/fuzz} fuzzes.
 */
class FileFormatFuzzTest {
  private static final EnvelopeCipher CIPHER = EnvelopeCipher.withSegmentSize(EnvelopeCipher.MIN_SEGMENT_SIZE);
  private static final DataKey KEY = CipherFixtures.dataKey(7);

  /**
   * {@link FileHeader#read}. Documented refusal: {@link EnvelopeException} with
   * {@link ErrorCode#UNSUPPORTED_FORMAT} (not an Envelope file, another version) or
   * {@link ErrorCode#INVALID_CIPHERTEXT} (a damaged header). A header that parses writes back as exactly the bytes
   * it was read from, and leaves the stream at the first byte after them.
   */
  @FuzzTest
  void header(byte[] input) throws IOException {
    InputStream in = new ByteArrayInputStream(input);
    FileHeader header;
    try {
      header = FileHeader.read(in);
    } catch (EnvelopeException e) {
      assertTrue(Set.of(ErrorCode.UNSUPPORTED_FORMAT, ErrorCode.INVALID_CIPHERTEXT).contains(e.code()),
          e.code().id());
      return;
    }
    byte[] written = header.toBytes();
    assertArrayEquals(Arrays.copyOf(input, written.length), written);
    assertEquals(input.length - written.length, in.available());
  }

  /**
   * {@link EncryptionContext#fromCanonicalBytes}. Documented refusal: {@link IllegalArgumentException}. A
   * context that parses has exactly the bytes it was read from as its canonical encoding.
   */
  @FuzzTest
  void encryptionContext(byte[] input) {
    EncryptionContext context;
    try {
      context = EncryptionContext.fromCanonicalBytes(input);
    } catch (IllegalArgumentException e) {
      return;
    }
    assertArrayEquals(input, context.canonicalBytes());
    assertEquals(context, EncryptionContext.of(context.asMap()));
  }

  /**
   * The encrypted stream after the header, under a fixed data key and 4 KiB segments: read through
   * {@link EnvelopeCipher#newDecryptingStream} and through {@link EnvelopeCipher#newSeekableDecryptingChannel}.
   * Documented refusal: {@link InvalidCiphertextException}. A stream that decrypts has the length
   * {@link EnvelopeCipher#ciphertextSize} promises, and the channel gives the same bytes as the stream.
   */
  @FuzzTest
  void stream(byte[] input) throws IOException {
    byte[] plaintext;
    try (InputStream in = CIPHER.newDecryptingStream(KEY, CipherFixtures.CONTEXT, new ByteArrayInputStream(input))) {
      plaintext = in.readAllBytes();
    } catch (InvalidCiphertextException e) {
      plaintext = null;
    }
    if (plaintext != null) {
      assertEquals(input.length, CIPHER.ciphertextSize(plaintext.length));
    }
    try (SeekableByteChannel channel =
        CIPHER.newSeekableDecryptingChannel(KEY, CipherFixtures.CONTEXT, new ByteArrayChannel(input))) {
      long size = channel.size();
      long from = size / 2;
      channel.position(from);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(3000);
      while (channel.read(buffer.clear()) > 0) {
        out.write(buffer.array(), 0, buffer.position());
      }
      if (plaintext != null) {
        assertEquals(plaintext.length, size);
        assertArrayEquals(Arrays.copyOfRange(plaintext, (int) from, plaintext.length), out.toByteArray());
      }
    } catch (InvalidCiphertextException e) {
      // The channel reads only the segments it needs, so it may accept what the stream refused; not the reverse.
      if (plaintext != null) {
        throw new AssertionError("the stream decrypted but the channel refused", e);
      }
    }
  }

  /** A read-only channel over an array. */
  private static final class ByteArrayChannel implements SeekableByteChannel {
    private final byte[] bytes;
    private int position;

    ByteArrayChannel(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (position >= bytes.length) {
        return -1;
      }
      int n = Math.min(dst.remaining(), bytes.length - position);
      dst.put(bytes, position, n);
      position += n;
      return n;
    }

    @Override
    public int write(ByteBuffer src) {
      throw new java.nio.channels.NonWritableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      position = (int) Math.min(newPosition, Integer.MAX_VALUE);
      return this;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new java.nio.channels.NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
