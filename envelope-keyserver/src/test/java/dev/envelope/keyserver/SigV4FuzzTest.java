package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fuzz tests of AWS Signature Version 4 verification (docs/FUZZING.md): the {@code Authorization} header alone,
 * and whole requests verified with a fixed access key at a fixed time, the time the committed inputs were signed
 * at, so that those verify and the fuzzer starts from requests that pass.
 */
class SigV4FuzzTest {
  static final Instant NOW = Instant.parse("2026-11-27T08:00:00Z");
  static final AccessKey KEY = new AccessKey("ENVKTESTTESTTESTTEST", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      "test", NOW, Set.of(), Set.of());
  private static final Set<KmsError> AUTHENTICATION_ERRORS = Set.of(KmsError.MISSING_AUTHENTICATION_TOKEN,
      KmsError.INCOMPLETE_SIGNATURE, KmsError.UNRECOGNIZED_CLIENT, KmsError.INVALID_SIGNATURE);
  private static final KmsSignatures VERIFIER = new KmsSignatures("us-east-1",
      id -> id.equals(KEY.id()) ? Optional.of(KEY) : Optional.empty(), Clock.fixed(NOW, ZoneOffset.UTC));

  /**
   * The {@code Authorization} header alone ({@link KmsSignatures#precheck} of a request with no other header).
   * Documented refusal: {@link KmsException} {@code IncompleteSignatureException}.
   */
  @FuzzTest
  void authorization(byte[] input) throws IOException, dev.envelope.api.EnvelopeException {
    try {
      VERIFIER.precheck("POST", "/", "", Map.of("authorization",
          List.of(new String(input, StandardCharsets.UTF_8))));
    } catch (KmsException e) {
      assertEquals(KmsError.INCOMPLETE_SIGNATURE, e.error());
    }
  }

  /**
   * {@link KmsSignatures#verify} of a request written as text: {@code METHOD TARGET} on the first line (the
   * target as sent, {@code /path?query}), then {@code name: value} header lines (names lower-cased as the server
   * does; a repeated name adds a value), an empty line, and the body. Documented refusal: {@link KmsException}
   * with one of the authentication errors (missing token, incomplete signature, unrecognized client, invalid
   * signature). A request that verifies was signed by {@link #KEY}.
   */
  @DictionaryEntries({"authorization: AWS4-HMAC-SHA256 ", "Credential=ENVKTESTTESTTESTTEST/20261127/us-east-1/kms/aws4_request",
      ", SignedHeaders=", ", Signature=", "host;x-amz-date;x-amz-target", "x-amz-date: 20261127T080000Z",
      "x-amz-target: TrentService.", "host: ", "%2F", "%20", "?a=1&b="})
  @FuzzTest
  void signedRequest(byte[] input) throws IOException, dev.envelope.api.EnvelopeException {
    SignedRequest request = parse(input);
    try {
      assertEquals(KEY, request.verifiedBy(VERIFIER));
    } catch (KmsException e) {
      assertTrue(AUTHENTICATION_ERRORS.contains(e.error()), e.error().type() + ": " + e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws-cli-header-set", "java-sdk-header-set", "path-query-and-spaces"})
  void theCommittedSignedRequestsVerify(String name) throws IOException, dev.envelope.api.EnvelopeException {
    Path input = Path.of("src/test/resources/dev/envelope/keyserver/SigV4FuzzTestInputs/signedRequest", name);
    assertEquals(KEY, parse(Files.readAllBytes(input)).verifiedBy(VERIFIER));
  }

  /** Any bytes make some request: the format above, read leniently. */
  static SignedRequest parse(byte[] input) {
    int end = 0;
    List<String> lines = new ArrayList<>();
    int bodyStart = input.length;
    for (int i = 0; i < input.length; i++) {
      if (input[i] == '\n') {
        String line = new String(input, end, i - end, StandardCharsets.UTF_8);
        end = i + 1;
        if (line.isEmpty() && !lines.isEmpty()) {
          bodyStart = end;
          break;
        }
        lines.add(line);
      }
    }
    if (bodyStart == input.length && end < input.length) {
      lines.add(new String(input, end, input.length - end, StandardCharsets.UTF_8));
    }
    String requestLine = lines.isEmpty() ? "" : lines.get(0);
    int space = requestLine.indexOf(' ');
    String method = space < 0 ? requestLine : requestLine.substring(0, space);
    String target = space < 0 ? "/" : requestLine.substring(space + 1);
    int question = target.indexOf('?');
    String path = question < 0 ? target : target.substring(0, question);
    String query = question < 0 ? "" : target.substring(question + 1);
    Map<String, List<String>> headers = new TreeMap<>();
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      int colon = line.indexOf(':');
      String name = (colon < 0 ? line : line.substring(0, colon)).toLowerCase(Locale.ROOT);
      String value = colon < 0 ? "" : line.substring(colon + 1).strip();
      headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return new SignedRequest(method, path, query, headers, Arrays.copyOfRange(input, bodyStart, input.length));
  }
}
