package dev.envelope.http.sigv4;

import static dev.envelope.http.sigv4.SigV4Exception.Reason.BAD_CHECKSUM;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.BAD_DIGEST;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.CONTENT_SHA256_MISMATCH;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.INCOMPLETE_BODY;

import dev.envelope.http.sigv4.ChecksumAlgorithm.PayloadDigest;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * A payload checked at its end against the digests and length it was sent with. It keeps one byte back, so that
 * the last byte and the end leave only once every check passed.
 */
final class PayloadCheckStream extends FailStopStream {
  /** One digest of the payload and the value it must have. */
  private record Check(PayloadDigest digest, Supplier<byte[]> expected, SigV4Exception.Reason reason,
      String message) {}

  private final InputStream in;
  private final List<Check> checks;
  private final OptionalLong length;
  private long count;
  private int held = -1;
  private boolean done;

  private PayloadCheckStream(InputStream in, List<Check> checks, OptionalLong length) {
    this.in = in;
    this.checks = checks;
    this.length = length;
  }

  /** The decoded, checked payload of {@code presented}'s request, from its body as sent. */
  static InputStream of(Presented<?> presented, InputStream raw) {
    PayloadRules rules = presented.payload;
    List<Check> checks = new ArrayList<>();
    InputStream decoded = raw;
    if (rules.mode.chunked()) {
      AwsChunkedStream chunked = new AwsChunkedStream(raw, rules, presented.signing, presented.claim.signature());
      decoded = chunked;
      if (rules.trailerChecksum != null) {
        checks.add(checksum(rules.trailerChecksum, chunked::trailerChecksum));
      }
    }
    if (rules.mode == PayloadRules.Mode.HASHED) {
      byte[] sha256 = HexFormat.of().parseHex(rules.sha256);
      checks.add(new Check(PayloadDigest.of(Signing.newDigest("SHA-256")), () -> sha256, CONTENT_SHA256_MISMATCH,
          "The provided 'x-amz-content-sha256' header does not match what was computed."));
    }
    if (rules.md5 != null) {
      checks.add(new Check(PayloadDigest.of(Signing.newDigest("MD5")), () -> rules.md5, BAD_DIGEST,
          "The Content-MD5 you specified did not match what we received."));
    }
    if (rules.headerChecksum != null) {
      checks.add(checksum(rules.headerChecksum, () -> rules.headerChecksumValue));
    }
    if (checks.isEmpty() && rules.decodedLength().isEmpty()) {
      return decoded;
    }
    return new PayloadCheckStream(decoded, checks, rules.decodedLength());
  }

  private static Check checksum(ChecksumAlgorithm algorithm, Supplier<byte[]> expected) {
    return new Check(algorithm.newDigest(), expected, BAD_CHECKSUM, "The " + algorithm.displayName()
        + " you specified did not match the calculated checksum.");
  }

  @Override
  int readChecked(byte[] b, int off, int len) throws IOException {
    if (done) {
      return -1;
    }
    if (held < 0) {
      byte[] first = new byte[1];
      if (in.read(first, 0, 1) < 0) {
        finish();
        return -1;
      }
      update(first, 0, 1);
      held = first[0] & 0xff;
    }
    // The byte held back goes out first; the last of the new ones is held back in its place.
    byte[] target = len > 1 ? b : new byte[1];
    int at = len > 1 ? off + 1 : 0;
    int n = in.read(target, at, Math.max(1, len - 1));
    if (n < 0) {
      finish();
      b[off] = (byte) held;
      return 1;
    }
    update(target, at, n);
    int next = target[at + n - 1] & 0xff;
    b[off] = (byte) held;
    held = next;
    return n;
  }

  private void update(byte[] b, int off, int n) throws SigV4Exception {
    count += n;
    if (length.isPresent() && count > length.getAsLong()) {
      throw new SigV4Exception(INCOMPLETE_BODY, "The payload is longer than its x-amz-decoded-content-length");
    }
    for (Check check : checks) {
      check.digest().update(b, off, n);
    }
  }

  private void finish() throws SigV4Exception {
    if (length.isPresent() && count != length.getAsLong()) {
      throw new SigV4Exception(INCOMPLETE_BODY, "The payload is shorter than its x-amz-decoded-content-length");
    }
    for (Check check : checks) {
      if (!MessageDigest.isEqual(check.digest().result(), check.expected().get())) {
        throw new SigV4Exception(check.reason(), check.message());
      }
    }
    done = true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
