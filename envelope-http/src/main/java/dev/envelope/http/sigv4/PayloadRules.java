package dev.envelope.http.sigv4;

import static dev.envelope.http.sigv4.SigV4Exception.Reason.INVALID_ARGUMENT;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.UNSUPPORTED;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * What an S3 request's headers say its payload must prove, read (and refused when invalid) before a byte of it:
 * how it is framed and signed ({@code x-amz-content-sha256}), its decoded length, and the digests it carries.
 */
final class PayloadRules {
  static final String UNSIGNED = "UNSIGNED-PAYLOAD";
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern LENGTH = Pattern.compile("[0-9]{1,18}");
  private static final List<String> NOT_CHECKSUMS = List.of("x-amz-checksum-type", "x-amz-checksum-algorithm",
      "x-amz-checksum-mode");

  /** How the payload is sent. */
  enum Mode {
    /** As is; its SHA-256 is the signed {@code x-amz-content-sha256}. */
    HASHED("", false, false),
    /** As is, unsigned. */
    UNSIGNED(PayloadRules.UNSIGNED, false, false),
    STREAMING_SIGNED("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", true, false),
    STREAMING_SIGNED_TRAILER("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", true, true),
    STREAMING_UNSIGNED_TRAILER("STREAMING-UNSIGNED-PAYLOAD-TRAILER", false, true);

    final String value;
    final boolean signedChunks;
    final boolean trailer;

    Mode(String value, boolean signedChunks, boolean trailer) {
      this.value = value;
      this.signedChunks = signedChunks;
      this.trailer = trailer;
    }

    boolean chunked() {
      return this == STREAMING_SIGNED || trailer;
    }
  }

  final Mode mode;
  /** The claimed SHA-256 in lower-case hex, for {@link Mode#HASHED}. */
  final String sha256;
  private final OptionalLong decodedLength;
  /** Content-MD5, or null. */
  final byte[] md5;
  /** The checksum sent as a header, or null. */
  final ChecksumAlgorithm headerChecksum;
  final byte[] headerChecksumValue;
  /** The checksum announced in {@code x-amz-trailer}, or null. */
  final ChecksumAlgorithm trailerChecksum;

  private PayloadRules(Mode mode, String sha256, OptionalLong decodedLength, byte[] md5,
      ChecksumAlgorithm headerChecksum, byte[] headerChecksumValue, ChecksumAlgorithm trailerChecksum) {
    this.mode = mode;
    this.sha256 = sha256;
    this.decodedLength = decodedLength;
    this.md5 = md5;
    this.headerChecksum = headerChecksum;
    this.headerChecksumValue = headerChecksumValue;
    this.trailerChecksum = trailerChecksum;
  }

  OptionalLong decodedLength() {
    return decodedLength;
  }

  /** The rules of a payload whose signed hash is {@code payloadHash}, from the request's headers. */
  static PayloadRules of(String payloadHash, boolean presigned, Map<String, List<String>> headers)
      throws SigV4Exception {
    Mode mode = mode(payloadHash);
    if (presigned && mode.chunked()) {
      throw invalid("An aws-chunked payload needs header authentication, not a presigned URL");
    }
    OptionalLong decodedLength = OptionalLong.empty();
    if (mode.chunked()) {
      String declared = SigV4Verifier.header(headers, "x-amz-decoded-content-length").orElseThrow(() ->
          invalid("x-amz-decoded-content-length is required for an aws-chunked payload"));
      if (!LENGTH.matcher(declared).matches()) {
        throw invalid("x-amz-decoded-content-length must be a number of bytes");
      }
      decodedLength = OptionalLong.of(Long.parseLong(declared));
    }
    ChecksumAlgorithm trailer = null;
    Optional<String> announced = SigV4Verifier.header(headers, "x-amz-trailer");
    if (mode.trailer) {
      String name = announced.orElseThrow(() -> invalid("x-amz-trailer is required for " + mode.value))
          .strip().toLowerCase(Locale.ROOT);
      trailer = checksum(name).orElseThrow(() -> invalid("x-amz-trailer must name one x-amz-checksum-* trailer"));
    } else if (announced.isPresent()) {
      throw invalid("x-amz-trailer needs an x-amz-content-sha256 of STREAMING-...-TRAILER");
    }
    ChecksumAlgorithm headerChecksum = null;
    for (String name : headers.keySet()) {
      if (name.startsWith("x-amz-checksum-") && !NOT_CHECKSUMS.contains(name)) {
        if (headerChecksum != null || trailer != null) {
          throw invalid("Expecting a single x-amz-checksum- header");
        }
        headerChecksum = checksum(name).orElseThrow(() -> invalid("Unknown checksum header " + name));
      }
    }
    byte[] headerValue = headerChecksum == null ? null : base64(headers, headerChecksum.headerName(),
        headerChecksum.length());
    byte[] md5 = headers.containsKey("content-md5") ? base64(headers, "content-md5", 16) : null;
    return new PayloadRules(mode, mode == Mode.HASHED ? payloadHash.toLowerCase(Locale.ROOT) : null,
        decodedLength, md5, headerChecksum, headerValue, trailer);
  }

  private static Mode mode(String payloadHash) throws SigV4Exception {
    for (Mode mode : Mode.values()) {
      if (mode != Mode.HASHED && mode.value.equals(payloadHash)) {
        return mode;
      }
    }
    if (SHA256_HEX.matcher(payloadHash).matches()) {
      return Mode.HASHED;
    }
    if (payloadHash.startsWith("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")) {
      throw new SigV4Exception(UNSUPPORTED, "Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported");
    }
    throw invalid("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
        + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER or the SHA-256 of the "
        + "payload in hex");
  }

  private static Optional<ChecksumAlgorithm> checksum(String lowerCaseName) {
    return ChecksumAlgorithm.byHeaderName(lowerCaseName);
  }

  /** The base64 value of a header that must decode to {@code length} bytes. */
  static byte[] base64(Map<String, List<String>> headers, String name, int length) throws SigV4Exception {
    return base64(SigV4Verifier.header(headers, name).orElse(""), name, length);
  }

  static byte[] base64(String value, String name, int length) throws SigV4Exception {
    try {
      byte[] decoded = Base64.getDecoder().decode(value.strip());
      if (decoded.length == length) {
        return decoded;
      }
    } catch (IllegalArgumentException e) {
      // said below
    }
    throw invalid(name + " must be the base64 of " + length + " bytes");
  }

  private static SigV4Exception invalid(String message) {
    return new SigV4Exception(INVALID_ARGUMENT, message);
  }
}
