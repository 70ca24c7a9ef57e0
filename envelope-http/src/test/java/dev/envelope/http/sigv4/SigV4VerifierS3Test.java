package dev.envelope.http.sigv4;

import static dev.envelope.http.sigv4.SigV4Exception.Reason.BAD_CHECKSUM;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.BAD_DIGEST;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.CONTENT_SHA256_MISMATCH;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.INCOMPLETE_BODY;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.MALFORMED_CHUNK;
import static dev.envelope.http.sigv4.SigV4Exception.Reason.SIGNATURE_MISMATCH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The verifier with the S3 rules against requests signed by the AWS SDK's own {@link AwsV4HttpSigner}, in every
 * payload mode the SDK sends: each verifies and decodes to the exact payload, read in large reads and a byte at a
 * time; each tampered copy is refused, and never with the whole payload released.
 */
class SigV4VerifierS3Test {
  static final Instant NOW = Instant.parse("2026-11-27T08:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final String ID = "ENVS3TESTTESTTESTTST";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  static final String URL = "https://127.0.0.1:9000/bucket/dir/object.bin";
  static final byte[] PAYLOAD = payload(300_000);

  final SigV4Verifier<String> verifier = verifier(CLOCK);

  static SigV4Verifier<String> verifier(Clock clock) {
    return new SigV4Verifier<>("us-east-1", ServiceRules.S3,
        id -> id.equals(ID) ? Optional.of(Credential.of(SECRET, "alice")) : Optional.empty(), clock);
  }

  static byte[] payload(int size) {
    byte[] p = new byte[size];
    new Random(42).nextBytes(p);
    return p;
  }

  /** The SDK's payload modes, each with what one flipped payload byte is refused as. */
  enum Mode {
    SIGNED_PAYLOAD(false, CONTENT_SHA256_MISMATCH, r -> r.putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true)),
    UNSIGNED_PAYLOAD_WITH_MD5(false, BAD_DIGEST, r -> r.putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)),
    SIGNED_CHUNKS(true, SIGNATURE_MISMATCH, r -> r.putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true)
        .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, true)),
    SIGNED_CHUNKS_CRC32_TRAILER(true, SIGNATURE_MISMATCH, r -> r
        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true)
        .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, true)
        .putProperty(AwsV4HttpSigner.CHECKSUM_ALGORITHM, DefaultChecksumAlgorithm.CRC32)),
    UNSIGNED_CRC32_TRAILER(true, BAD_CHECKSUM, unsignedTrailer(DefaultChecksumAlgorithm.CRC32)),
    UNSIGNED_CRC32C_TRAILER(true, BAD_CHECKSUM, unsignedTrailer(DefaultChecksumAlgorithm.CRC32C)),
    UNSIGNED_SHA256_TRAILER(true, BAD_CHECKSUM, unsignedTrailer(DefaultChecksumAlgorithm.SHA256)),
    UNSIGNED_SHA1_TRAILER(true, BAD_CHECKSUM, unsignedTrailer(DefaultChecksumAlgorithm.SHA1));

    final boolean chunked;
    final SigV4Exception.Reason flippedByte;
    final Consumer<SignRequest.Builder<AwsCredentialsIdentity>> options;

    Mode(boolean chunked, SigV4Exception.Reason flippedByte,
        Consumer<SignRequest.Builder<AwsCredentialsIdentity>> options) {
      this.chunked = chunked;
      this.flippedByte = flippedByte;
      this.options = options;
    }

    SignedWire sign(String url, byte[] payload) {
      SignedWire wire = SignedWire.sign(ID, SECRET, CLOCK, SdkHttpMethod.PUT, url, payload, options);
      return this == UNSIGNED_PAYLOAD_WITH_MD5 ? wire.withHeader("content-md5", md5(payload)) : wire;
    }
  }

  private static Consumer<SignRequest.Builder<AwsCredentialsIdentity>> unsignedTrailer(
      software.amazon.awssdk.checksums.spi.ChecksumAlgorithm algorithm) {
    return r -> r.putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
        .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, true)
        .putProperty(AwsV4HttpSigner.CHECKSUM_ALGORITHM, algorithm);
  }

  static String md5(byte[] payload) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(payload));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  byte[] receive(SignedWire wire, boolean byteAtATime) throws Exception {
    Presented<String> presented = verifier.precheck(wire.method(), wire.rawPath(), wire.rawQuery(), wire.headers());
    assertEquals("alice", presented.principal());
    assertEquals(ID, presented.accessKeyId());
    return SignedWire.drain(verifier.body(presented, new ByteArrayInputStream(wire.body())),
        new ByteArrayOutputStream(), byteAtATime);
  }

  /** The refusal of a tampered request, checking that the payload was never released whole. */
  SigV4Exception refusal(SignedWire wire, byte[] payload) {
    ByteArrayOutputStream released = new ByteArrayOutputStream();
    SigV4Exception e = assertThrows(SigV4Exception.class, () -> {
      Presented<String> presented = verifier.precheck(wire.method(), wire.rawPath(), wire.rawQuery(),
          wire.headers());
      SignedWire.drain(verifier.body(presented, new ByteArrayInputStream(wire.body())), released, false);
    });
    assertTrue(released.size() < payload.length, "released " + released.size() + " of " + payload.length);
    return e;
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everySdkModeVerifiesAndDecodesExactly(Mode mode) throws Exception {
    SignedWire wire = mode.sign(URL, PAYLOAD);
    assertEquals(mode.chunked, wire.header("x-amz-content-sha256").startsWith("STREAMING-"), wire.headers()
        .toString());
    assertArrayEquals(PAYLOAD, receive(wire, false));
    assertArrayEquals(PAYLOAD, receive(wire, true));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void emptyAndOneBytePayloadsVerify(Mode mode) throws Exception {
    for (byte[] payload : new byte[][] {new byte[0], {7}}) {
      assertArrayEquals(payload, receive(mode.sign(URL, payload), false), mode.name());
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void oneFlippedPayloadByteIsRefused(Mode mode) {
    for (int at : new int[] {0, 1000, 131_071}) {
      SignedWire bad = mode.sign(URL, PAYLOAD).withFlippedByte(mode.chunked, at);
      assertEquals(mode.flippedByte, refusal(bad, PAYLOAD).reason(), mode + " at " + at);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Mode.class, names = {"SIGNED_PAYLOAD", "SIGNED_CHUNKS", "UNSIGNED_CRC32_TRAILER"})
  void aRefusedPayloadStaysRefused(Mode mode) throws Exception {
    SignedWire bad = mode.sign(URL, PAYLOAD).withFlippedByte(mode.chunked, PAYLOAD.length - 1);
    Presented<String> presented = verifier.precheck(bad.method(), bad.rawPath(), bad.rawQuery(), bad.headers());
    java.io.InputStream in = verifier.body(presented, new ByteArrayInputStream(bad.body()));
    SigV4Exception first = assertThrows(SigV4Exception.class, in::readAllBytes);
    for (int i = 0; i < 3; i++) {
      assertEquals(first, assertThrows(SigV4Exception.class, in::read));
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aTruncatedBodyIsRefused(Mode mode) {
    SignedWire wire = mode.sign(URL, PAYLOAD);
    for (int cut : new int[] {1, 2, 5, 40, 70_000}) {
      SignedWire bad = wire.withBody(java.util.Arrays.copyOf(wire.body(), wire.body().length - cut));
      SigV4Exception e = refusal(bad, PAYLOAD);
      assertTrue(mode.chunked ? e.reason() == INCOMPLETE_BODY || e.reason() == MALFORMED_CHUNK
          : e.reason() == mode.flippedByte, mode + " cut " + cut + ": " + e.reason() + " " + e.getMessage());
    }
  }

  @Test
  void aFlippedChunkSignatureIsRefused() {
    for (Mode mode : new Mode[] {Mode.SIGNED_CHUNKS, Mode.SIGNED_CHUNKS_CRC32_TRAILER}) {
      SignedWire wire = mode.sign(URL, PAYLOAD);
      String body = new String(wire.body(), StandardCharsets.ISO_8859_1);
      for (int at = body.indexOf("chunk-signature="); at >= 0; at = body.indexOf("chunk-signature=", at + 1)) {
        byte[] bad = wire.body().clone();
        int i = at + "chunk-signature=".length() + 5;
        bad[i] = (byte) (bad[i] == '0' ? '1' : '0');
        assertEquals(SIGNATURE_MISMATCH, refusal(wire.withBody(bad), PAYLOAD).reason(), mode + " at " + at);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"x-amz-checksum-crc32:", "x-amz-trailer-signature:"})
  void aWrongTrailerIsRefused(String line) {
    Mode mode = line.startsWith("x-amz-trailer") ? Mode.SIGNED_CHUNKS_CRC32_TRAILER : Mode.UNSIGNED_CRC32_TRAILER;
    SignedWire wire = mode.sign(URL, PAYLOAD);
    String body = new String(wire.body(), StandardCharsets.ISO_8859_1);
    int at = body.indexOf(line) + line.length() + 1;
    byte[] bad = wire.body().clone();
    bad[at] = (byte) (bad[at] == 'A' ? 'B' : 'A');
    assertEquals(mode == Mode.UNSIGNED_CRC32_TRAILER ? BAD_CHECKSUM : SIGNATURE_MISMATCH,
        refusal(wire.withBody(bad), PAYLOAD).reason());
  }

  @Test
  void aSignedTrailerWithAnotherChecksumValueIsRefusedByItsSignature() {
    SignedWire wire = Mode.SIGNED_CHUNKS_CRC32_TRAILER.sign(URL, PAYLOAD);
    String body = new String(wire.body(), StandardCharsets.ISO_8859_1);
    int at = body.indexOf("x-amz-checksum-crc32:") + "x-amz-checksum-crc32:".length() + 1;
    byte[] bad = wire.body().clone();
    bad[at] = (byte) (bad[at] == 'A' ? 'B' : 'A');
    assertEquals(SIGNATURE_MISMATCH, refusal(wire.withBody(bad), PAYLOAD).reason());
  }

  @ParameterizedTest
  @EnumSource(value = Mode.class, names = {"SIGNED_CHUNKS", "SIGNED_CHUNKS_CRC32_TRAILER", "UNSIGNED_CRC32_TRAILER"})
  void aSignedDecodedLengthThatLiesIsRefused(Mode mode) {
    for (long declared : new long[] {PAYLOAD.length - 1, PAYLOAD.length + 1, 0}) {
      SignedWire wire = SignedWire.sign(ID, SECRET, CLOCK, SdkHttpMethod.PUT, URL, PAYLOAD, declared, mode.options);
      assertEquals(Long.toString(declared), wire.header("x-amz-decoded-content-length"));
      assertEquals(INCOMPLETE_BODY, refusal(wire, PAYLOAD).reason(), mode + " " + declared);
    }
  }

  @Test
  void anUnsignedChangeOfTheDecodedLengthIsRefused() {
    SignedWire wire = Mode.SIGNED_CHUNKS.sign(URL, PAYLOAD);
    SignedWire bad = wire.withHeader("x-amz-decoded-content-length", Integer.toString(PAYLOAD.length - 1));
    assertEquals(SIGNATURE_MISMATCH, assertThrows(SigV4Exception.class, () -> receive(bad, false)).reason());
  }

  @Test
  void aChunkSizeLineOf100KilobytesIsRefusedUnread() {
    byte[] line = new byte[100_000];
    java.util.Arrays.fill(line, (byte) '0');
    SignedWire wire = Mode.UNSIGNED_CRC32_TRAILER.sign(URL, PAYLOAD).withBody(line);
    SigV4Exception e = refusal(wire, PAYLOAD);
    assertEquals(MALFORMED_CHUNK, e.reason());
    assertTrue(e.getMessage().contains("longer than"), e.getMessage());
  }

  @Test
  void aChunkSizeOf2To40IsRefused() {
    byte[] body = "10000000000\r\nabc".getBytes(StandardCharsets.US_ASCII);
    SigV4Exception e = refusal(Mode.UNSIGNED_CRC32_TRAILER.sign(URL, PAYLOAD).withBody(body), PAYLOAD);
    assertEquals(MALFORMED_CHUNK, e.reason());
    assertEquals("A chunk of 1099511627776 bytes is larger than the limit of 16777216 bytes", e.getMessage());
  }

  @Test
  void brokenFramingIsRefusedAsMalformed() {
    SignedWire wire = Mode.UNSIGNED_CRC32_TRAILER.sign(URL, PAYLOAD);
    for (String body : new String[] {"zz\r\n", "5\nabcde\r\n", "5\r\nabcdeXY", "5;x=y\r\nabcde\r\n0\r\n\r\n",
        "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
        "3\r\nabc\r\n0\r\nx-other:1\r\n\r\n", "-1\r\n"}) {
      SigV4Exception e = refusal(wire.withBody(body.getBytes(StandardCharsets.ISO_8859_1)), PAYLOAD);
      assertEquals(MALFORMED_CHUNK, e.reason(), body + ": " + e.getMessage());
    }
  }

  @Test
  void aWrongContentMd5OrChecksumHeaderIsRefused() {
    SignedWire wire = Mode.UNSIGNED_PAYLOAD_WITH_MD5.sign(URL, PAYLOAD);
    assertEquals(BAD_DIGEST, refusal(wire.withHeader("content-md5", md5(new byte[1])), PAYLOAD).reason());
    SignedWire crc = Mode.SIGNED_PAYLOAD.sign(URL, PAYLOAD).withHeader("x-amz-checksum-crc32", "AAAAAA==");
    SigV4Exception e = refusal(crc, PAYLOAD);
    assertEquals(BAD_CHECKSUM, e.reason());
    assertEquals("The CRC32 you specified did not match the calculated checksum.", e.getMessage());
  }

  @Test
  void rightChecksumHeadersVerify() throws Exception {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(PAYLOAD);
    String value = Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue())
        .array());
    assertArrayEquals(PAYLOAD, receive(Mode.SIGNED_PAYLOAD.sign(URL, PAYLOAD)
        .withHeader("x-amz-checksum-crc32c", value).withHeader("content-md5", md5(PAYLOAD)), false));
  }

  @Test
  void crc64NvmeHasItsCheckValue() {
    ChecksumAlgorithm.PayloadDigest digest = ChecksumAlgorithm.CRC64NVME.newDigest();
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    digest.update(check, 0, check.length);
    assertEquals("ae8b14860a799888", java.util.HexFormat.of().formatHex(digest.result()));
  }

  @Test
  void anUnknownChecksumHeaderIsRefusedNotIgnored() {
    SignedWire wire = Mode.SIGNED_PAYLOAD.sign(URL, PAYLOAD).withHeader("x-amz-checksum-xxhash64", "AAAAAAAAAAA=");
    assertEquals(SigV4Exception.Reason.INVALID_ARGUMENT, assertThrows(SigV4Exception.class,
        () -> receive(wire, false)).reason());
  }
}
