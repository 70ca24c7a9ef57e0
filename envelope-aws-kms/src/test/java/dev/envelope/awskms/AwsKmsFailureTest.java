package dev.envelope.awskms;

import static dev.envelope.awskms.AwsKmsKeyServiceTest.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.InsecureKeyAccess;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.testing.FaultyHttpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The key service when KMS throttles, fails, hangs, refuses connections, goes away and comes back, or refuses
 * the credentials: real key server, real SDK, the faults made by a real proxy in between. Timeouts here are
 * guards against a hang, never speed requirements; the bounds are checked by counting attempts.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AwsKmsFailureTest {
  private static final EncryptionContext CONTEXT = EncryptionContext.of("tenant", "t1", "object", "o1");
  private static final Map<String, String> JSON = Map.of("Content-Type", "application/x-amz-json-1.1");
  private static final String THROTTLED = "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}";
  private static final int MAX_ATTEMPTS = 4;

  private KmsFixture kms;
  private FaultyHttpProxy proxy;
  private AwsKmsKeyService keys;
  private String root;
  private final List<String> messages = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    kms = KmsFixture.start();
    proxy = FaultyHttpProxy.start(kms.endpoint());
    keys = AwsKmsKeyService.create(fastConfig().build());
    root = kms.createKey();
  }

  @AfterEach
  void stop() throws Exception {
    for (String message : messages) { // no test here may leak the secret into a message
      assertFalse(message.contains(kms.secretKey()), message);
    }
    keys.close();
    proxy.close();
    kms.close();
  }

  /** Quick back-offs so that tests run fast; the bounds are what is under test. */
  private AwsKmsConfig.Builder fastConfig() {
    return kms.config().toBuilder().endpoint(proxy.endpoint()).maxAttempts(MAX_ATTEMPTS)
        .baseDelay(Duration.ofMillis(10)).throttlingBaseDelay(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(100))
        .attemptTimeout(Duration.ofMillis(700)).callTimeout(Duration.ofSeconds(5))
        .connectTimeout(Duration.ofMillis(500));
  }

  private EnvelopeException fails(ErrorCode code, org.junit.jupiter.api.function.Executable call) {
    EnvelopeException e = assertFails(code, call);
    messages.add(e.getMessage());
    return e;
  }

  @Test
  void throttledTwice_thenAnswered_succeedsWithThreeRequests() throws Exception {
    proxy.resetRequests();
    long before = kms.generateDataKeyCalls();
    proxy.respondNext(2, 400, JSON, THROTTLED);

    try (DataKey key = keys.generateDataKey(root, CONTEXT)) {
      assertEquals(root, key.wrapped().rootKeyId());
    }
    assertEquals(3, proxy.requests());
    assertEquals(before + 1, kms.generateDataKeyCalls());
  }

  @Test
  void a503Twice_thenAnswered_decryptSucceeds() throws Exception {
    WrappedKey wrapped;
    try (DataKey key = keys.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
    }
    proxy.resetRequests();
    proxy.respondNext(2, 503, Map.of("Content-Type", "text/plain"), "Service Unavailable");

    keys.decrypt(wrapped, CONTEXT).close();
    assertEquals(3, proxy.requests());
  }

  @Test
  void alwaysThrottled_failsWithKeyringUnavailable_afterMaxAttempts() {
    proxy.resetRequests();
    proxy.respond(400, JSON, THROTTLED);

    EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.generateDataKey(root, CONTEXT).close());

    assertEquals(MAX_ATTEMPTS, proxy.requests());
    assertTrue(e.getMessage().contains("did not answer within 5 s after " + MAX_ATTEMPTS + " attempts"),
        e.getMessage());
    assertTrue(e.getMessage().contains(proxy.endpoint().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("ThrottlingException"), e.getMessage());
  }

  @Test
  void always500_failsWithKeyringUnavailable_afterMaxAttempts() {
    proxy.resetRequests();
    proxy.respond(500, JSON, "{\"__type\":\"KMSInternalException\",\"message\":\"boom\"}");

    fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.describeRootKey(root));
    assertEquals(MAX_ATTEMPTS, proxy.requests());
  }

  @Test
  void aHangingServer_failsWithKeyringUnavailable_withinTheAttemptBound() {
    proxy.resetRequests();
    proxy.hang();

    EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.generateDataKey(root, CONTEXT).close());

    // 5 s of call budget, 0.7 s per attempt: every attempt timed out, none ran unbounded.
    assertTrue(proxy.requests() >= 2 && proxy.requests() <= MAX_ATTEMPTS, proxy.requests() + " requests");
    assertTrue(e.getMessage().contains("did not answer within 5 s"), e.getMessage());
  }

  @Test
  void aHangingServer_isBoundedByTheCallTimeout_whenItIsTheShorterBound() throws Exception {
    try (AwsKmsKeyService tight = AwsKmsKeyService.create(fastConfig().attemptTimeout(Duration.ofSeconds(5))
        .callTimeout(Duration.ofMillis(800)).build())) {
      proxy.resetRequests();
      proxy.hang();

      EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> tight.generateDataKey(root, CONTEXT).close());

      assertEquals(1, proxy.requests());
      assertTrue(e.getMessage().contains("did not answer within 800 ms"), e.getMessage());
    }
  }

  @Test
  void refusedConnections_failWithKeyringUnavailable_thenRecover() throws Exception {
    proxy.refuseConnections();
    fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.generateDataKey(root, CONTEXT).close());

    proxy.passThrough();
    keys.generateDataKey(root, CONTEXT).close();
  }

  @Test
  void keyServerStoppedThenRestarted_theSameServiceWorksAgain() throws Exception {
    WrappedKey wrapped;
    byte[] plaintext;
    try (DataKey key = keys.generateDataKey(root, CONTEXT)) {
      wrapped = key.wrapped();
      plaintext = key.copyPlaintext(InsecureKeyAccess.get());
    }

    kms.stop();
    EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.decrypt(wrapped, CONTEXT).close());
    assertTrue(e.getMessage().contains("after " + MAX_ATTEMPTS + " attempts"), e.getMessage());
    fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.generateDataKey(root, CONTEXT).close());

    kms.restart();
    try (DataKey again = keys.decrypt(wrapped, CONTEXT)) {
      assertArrayEquals(plaintext, again.copyPlaintext(InsecureKeyAccess.get()));
    }
    keys.generateDataKey(root, CONTEXT).close();
  }

  @Test
  void directlyOnAStoppedServer_connectionRefused_isKeyringUnavailable() throws Exception {
    try (AwsKmsKeyService direct = AwsKmsKeyService.create(fastConfig().endpoint(kms.endpoint()).build())) {
      kms.stop();
      EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> direct.describeRootKey(root));
      assertTrue(e.getMessage().contains(kms.endpoint().toString()), e.getMessage());
      kms.restart();
      assertEquals(root, direct.describeRootKey(root));
    }
  }

  @Test
  void aWrongSecret_isRefusedOnce_withAMessageThatSaysSo_andHoldsNoSecret() throws Exception {
    String wrongSecret = Base64.getEncoder().encodeToString("not the secret at all, 40 bytes long!!".getBytes());
    try (AwsKmsKeyService wrong = AwsKmsKeyService.create(fastConfig().credentials(StaticCredentialsProvider.create(
        AwsBasicCredentials.create(kms.accessKeyId(), wrongSecret))).build())) {
      proxy.resetRequests();
      EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> wrong.generateDataKey(root, CONTEXT).close());

      assertEquals(1, proxy.requests(), "a refused credential is not retried");
      assertTrue(e.getMessage().contains("refused the credentials"), e.getMessage());
      assertTrue(e.getMessage().contains("InvalidSignatureException"), e.getMessage());
      assertFalse(e.getMessage().contains(wrongSecret), e.getMessage());
    }
  }

  @Test
  void anUnknownAccessKey_isRefused_withAMessageThatSaysSo() throws Exception {
    try (AwsKmsKeyService unknown = AwsKmsKeyService.create(fastConfig().credentials(StaticCredentialsProvider
        .create(AwsBasicCredentials.create("ENVKUNKNOWNUNKNOWN", kms.secretKey()))).build())) {
      EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> unknown.describeRootKey(root));
      assertTrue(e.getMessage().contains("refused the credentials"), e.getMessage());
      assertTrue(e.getMessage().contains("UnrecognizedClientException"), e.getMessage());
    }
  }

  @Test
  void accessDenied_isKeyringUnavailable_sayingTheCredentialsWereRefused() {
    proxy.respond(400, JSON, "{\"__type\":\"AccessDeniedException\",\"message\":\"User: arn:aws:iam::1:user/x is"
        + " not authorized to perform kms:GenerateDataKey\"}");
    EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.generateDataKey(root, CONTEXT).close());
    assertTrue(e.getMessage().contains("refused the credentials"), e.getMessage());
  }

  @Test
  void garbageAnswers_failClearly_withoutAStackTraceInTheMessage() {
    proxy.respond(200, JSON, "this is not json");
    EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> keys.generateDataKey(root, CONTEXT).close());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());

    proxy.respond(400, JSON, "{\"__type\":\"SomethingNewException\",\"message\":\"?\"}");
    fails(ErrorCode.INTERNAL, () -> keys.generateDataKey(root, CONTEXT).close());
  }

  @Test
  void credentialsFromTheDefaultChain_areUsed_whenNoneAreConfigured() throws Exception {
    String[] props = {"aws.accessKeyId", "aws.secretAccessKey"};
    String[] old = {System.getProperty(props[0]), System.getProperty(props[1])};
    System.setProperty(props[0], kms.accessKeyId());
    System.setProperty(props[1], kms.secretKey());
    try (AwsKmsKeyService chained = AwsKmsKeyService.create(AwsKmsConfig.builder().endpoint(kms.endpoint())
        .region(kms.region()).build())) {
      assertEquals(root, chained.describeRootKey(root));
    } finally {
      for (int i = 0; i < props.length; i++) {
        if (old[i] == null) {
          System.clearProperty(props[i]);
        } else {
          System.setProperty(props[i], old[i]);
        }
      }
    }
  }

  @Test
  void theRegion_comesFromTheDefaultChain_whenNoneIsConfigured() throws Exception {
    String old = System.getProperty("aws.region");
    System.setProperty("aws.region", "eu-west-1");
    try (AwsKmsKeyService regional = AwsKmsKeyService.create(AwsKmsConfig.builder().endpoint(kms.endpoint())
        .credentials(kms.credentialsProvider()).build())) {
      // The key server checks the signing region: a request signed for eu-west-1 is refused.
      EnvelopeException e = fails(ErrorCode.KEYRING_UNAVAILABLE, () -> regional.describeRootKey(root));
      assertTrue(e.getMessage().contains("refused the credentials"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty("aws.region");
      } else {
        System.setProperty("aws.region", old);
      }
    }
  }

  @Test
  void noSecretIsInAnyToString() throws Exception {
    AwsKmsConfig config = kms.config();
    try (DataKey key = keys.generateDataKey(root, CONTEXT)) {
      String plaintextBase64 = Base64.getEncoder().encodeToString(key.copyPlaintext(InsecureKeyAccess.get()));
      for (String text : List.of(config.toString(), keys.toString(), key.toString(), kms.toString())) {
        assertFalse(text.contains(kms.secretKey()), text);
        assertFalse(text.contains(plaintextBase64), text);
      }
    }
  }
}
