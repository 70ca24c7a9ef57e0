package dev.envelope.http.sigv4;

import static dev.envelope.http.sigv4.SigV4Exception.Reason.INCOMPLETE_BODY;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MALFORMED_CHUNK;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.SIGNATURE_MISMATCH;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The payload of an aws-chunked body: {@code hex-size[;chunk-signature=sig]\r\n data \r\n}, ..., a final chunk of
 * size 0, then (for the trailer modes) trailer lines and, when signed, {@code x-amz-trailer-signature:sig}, and an
 * empty line. Each chunk's signature is chained from the one before (the first from the request's seed
 * signature) and checked before the chunk's last byte is returned; the trailer's before the end is.
 *
 * <h2>Restrictions</h2>
 * A chunk is at most {@link #MAX_CHUNK} bytes, a chunk-size line {@link #MAX_LINE}, the trailer {@link
 * #MAX_TRAILER}; nothing is buffered beyond a read buffer, whatever the sizes.
 */
final class AwsChunkedStream extends FailStopStream {
  /** The largest chunk accepted: the AWS SDKs send 128 KiB, the AWS CLI 64 KiB to 8 MiB. */
  static final int MAX_CHUNK = 16 << 20;
  static final int MAX_LINE = 1024;
  static final int MAX_TRAILER = 16 << 10;
  private static final Pattern SIGNED_SIZE = Pattern.compile("([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})");
  private static final Pattern UNSIGNED_SIZE = Pattern.compile("[0-9a-fA-F]{1,16}");
  private static final String TRAILER_SIGNATURE = "x-amz-trailer-signature";

  private final InputStream in;
  private final PayloadRules rules;
  private final Signing signing;
  private final MessageDigest chunkDigest;
  private String previousSignature;
  private String chunkSignature;
  private long remaining;
  private boolean finished;
  private byte[] trailerChecksum;
  private int trailerBytes;

  AwsChunkedStream(InputStream raw, PayloadRules rules, Signing signing, String seedSignature) {
    this.in = new BufferedInputStream(raw, 8192);
    this.rules = rules;
    this.signing = signing;
    this.previousSignature = seedSignature;
    this.chunkDigest = rules.mode.signedChunks ? Signing.newDigest("SHA-256") : null;
  }

  /** The value of the announced trailer checksum, once the end was read. */
  byte[] trailerChecksum() {
    return trailerChecksum.clone();
  }

  @Override
  int readChecked(byte[] b, int off, int len) throws IOException {
    if (!finished && remaining == 0) {
      startChunk();
    }
    if (finished) {
      return -1;
    }
    if (remaining > 1) {
      int n = in.read(b, off, (int) Math.min(len, remaining - 1));
      if (n < 0) {
        throw truncated();
      }
      if (chunkDigest != null) {
        chunkDigest.update(b, off, n);
      }
      remaining -= n;
      return n;
    }
    // The chunk's last byte leaves only once the chunk proved good.
    int last = in.read();
    if (last < 0) {
      throw truncated();
    }
    if (chunkDigest != null) {
      chunkDigest.update((byte) last);
    }
    remaining = 0;
    if (!readLine(2).isEmpty()) {
      throw malformed("A chunk's data must be followed by CRLF");
    }
    checkChunkSignature();
    b[off] = (byte) last;
    return 1;
  }

  private void startChunk() throws IOException {
    String line = readLine(MAX_LINE);
    Matcher m = (rules.mode.signedChunks ? SIGNED_SIZE : UNSIGNED_SIZE).matcher(line);
    if (!m.matches()) {
      throw malformed(rules.mode.signedChunks ? "A chunk must start with hex-size;chunk-signature=signature"
          : "A chunk must start with its size in hex");
    }
    long size = Long.parseUnsignedLong(rules.mode.signedChunks ? m.group(1) : line, 16);
    if (size < 0 || size > MAX_CHUNK) {
      throw malformed("A chunk of " + Long.toUnsignedString(size) + " bytes is larger than the limit of "
          + MAX_CHUNK + " bytes");
    }
    chunkSignature = rules.mode.signedChunks ? m.group(2) : null;
    remaining = size;
    if (size == 0) {
      checkChunkSignature();
      if (rules.mode.trailer) {
        readTrailer();
      } else if (!readLine(2).isEmpty()) {
        throw malformed("The final chunk must be followed by an empty line");
      }
      if (in.read() >= 0) {
        throw malformed("The body goes on after its final chunk");
      }
      finished = true;
    }
  }

  private void checkChunkSignature() throws SigV4Exception {
    if (chunkDigest == null) {
      return;
    }
    String expected = signing.signChunk(previousSignature, chunkDigest.digest());
    if (!Signing.matches(expected, chunkSignature)) {
      throw new SigV4Exception(SIGNATURE_MISMATCH, "The chunk signature we calculated does not match the "
          + "signature you provided");
    }
    previousSignature = chunkSignature;
  }

  /** The trailer: the announced checksum once, then (signed) its signature, then an empty line. */
  private void readTrailer() throws IOException {
    String name = rules.trailerChecksum.headerName();
    String value = null;
    String signature = null;
    for (String line = readTrailerLine(); !line.isEmpty(); line = readTrailerLine()) {
      int colon = line.indexOf(':');
      String field = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT);
      if (field.equals(name) && value == null && signature == null) {
        value = line.substring(colon + 1).strip();
      } else if (field.equals(TRAILER_SIGNATURE) && rules.mode.signedChunks && signature == null) {
        signature = line.substring(colon + 1).strip();
      } else {
        throw malformed("The trailer must hold " + name + " once" + (rules.mode.signedChunks
            ? ", then " + TRAILER_SIGNATURE : "") + ", and nothing else");
      }
    }
    if (value == null || rules.mode.signedChunks && signature == null) {
      throw malformed("The trailer must hold " + name + (rules.mode.signedChunks ? " and " + TRAILER_SIGNATURE
          : ""));
    }
    if (rules.mode.signedChunks) {
      String expected = signing.signTrailer(previousSignature, (name + ":" + value + "\n")
          .getBytes(StandardCharsets.UTF_8));
      if (!Signing.matches(expected, signature)) {
        throw new SigV4Exception(SIGNATURE_MISMATCH, "The trailer signature we calculated does not match the "
            + "signature you provided");
      }
    }
    trailerChecksum = PayloadRules.base64(value, name, rules.trailerChecksum.length());
  }

  private String readTrailerLine() throws IOException {
    String line = readLine(MAX_LINE);
    trailerBytes += line.length() + 2;
    if (trailerBytes > MAX_TRAILER) {
      throw malformed("The trailer is longer than " + MAX_TRAILER + " bytes");
    }
    return line;
  }

  /** One line up to CRLF (not included), of at most {@code max} bytes with its CRLF. */
  private String readLine(int max) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int read = 0; ; read++) {
      int c = in.read();
      if (c < 0) {
        throw truncated();
      }
      if (c == '\r') {
        if (in.read() != '\n') {
          throw malformed("A line of the aws-chunked framing must end with CRLF");
        }
        return line.toString(StandardCharsets.ISO_8859_1);
      }
      if (read + 2 >= max) {
        throw malformed(max == 2 ? "A chunk's data must be followed by CRLF"
            : "A line of the aws-chunked framing is longer than " + max + " bytes");
      }
      line.write(c);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private static SigV4Exception truncated() {
    return new SigV4Exception(INCOMPLETE_BODY, "The body ended before its final chunk");
  }

  private static SigV4Exception malformed(String message) {
    return new SigV4Exception(MALFORMED_CHUNK, message);
  }
}
