package dev.envelope.http.sigv4;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC-SHA256 side of SigV4 for one request: its signing key (derived once, from the secret, the date, the
 * region and the service), the strings to sign and the constant-time comparison of signatures. The signing key
 * is not cached across requests: four HMACs cost microseconds, while a cache would keep the keys of revoked or
 * rotated secrets in memory and need the secret itself as its key.
 */
final class Signing {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] signingKey;
  private final String amzDate;
  private final String scope;

  private Signing(byte[] signingKey, String amzDate, String scope) {
    this.signingKey = signingKey;
    this.amzDate = amzDate;
    this.scope = scope;
  }

  /** The signing key of {@code credential} for the scope {@code date/region/service/aws4_request}. */
  static Signing derive(Credential<?> credential, String amzDate, String date, String region, String service) {
    byte[] keySecret = credential.takeKeySecret();
    try {
      byte[] key = hmac(keySecret, date);
      key = hmac(key, region);
      key = hmac(key, service);
      return new Signing(hmac(key, "aws4_request"), amzDate, date + "/" + region + "/" + service + "/aws4_request");
    } finally {
      Arrays.fill(keySecret, (byte) 0);
    }
  }

  /** The signature of a canonical request. */
  String signRequest(String canonicalRequest) {
    return sign(ALGORITHM, sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
  }

  /** The signature of one chunk of an aws-chunked body, chained from the one before. */
  String signChunk(String previousSignature, byte[] chunkSha256) {
    return sign(ALGORITHM + "-PAYLOAD", previousSignature + "\n" + EMPTY_SHA256 + "\n" + HEX.formatHex(chunkSha256));
  }

  /** The signature of the trailing headers of an aws-chunked body, chained from the final chunk's. */
  String signTrailer(String previousSignature, byte[] canonicalTrailer) {
    return sign(ALGORITHM + "-TRAILER", previousSignature + "\n" + sha256Hex(canonicalTrailer));
  }

  private String sign(String algorithm, String rest) {
    return HEX.formatHex(hmac(signingKey, algorithm + "\n" + amzDate + "\n" + scope + "\n" + rest));
  }

  /** Whether a presented signature is the expected one, in time independent of where they differ. */
  static boolean matches(String expected, String presented) {
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        presented.getBytes(StandardCharsets.US_ASCII));
  }

  static String sha256Hex(byte[] data) {
    return HEX.formatHex(newDigest("SHA-256").digest(data));
  }

  static MessageDigest newDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm + " is missing from this JDK", e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
