package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.DataKey;
import dev.envelope.core.InsecureKeyAccess;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3 credentials: made, listed, revoked, and opened for signature checks. A credential's secret is a data key made
 * by the key service under its tenant's root key ({@link FileService#newSecret}), shown once, Base64url-encoded,
 * and kept only wrapped ({@link S3CredentialRecord}): a stolen database holds no usable secret, and shredding the
 * tenant's root key ends its credentials too.
 *
 * <p>Signature checks need the plaintext secret on every request; unwrapping it is a key service call, so an opened
 * secret is kept in memory for {@link #SECRET_TTL} (the row itself is read on every request, so a revocation holds
 * at once on every node).
 */
public final class S3Credentials {
  private static final Logger LOG = LoggerFactory.getLogger(S3Credentials.class);
  /** How long an unwrapped secret stays in memory after it was unwrapped. */
  public static final Duration SECRET_TTL = Duration.ofMinutes(5);
  /** The shape of an access key id: "EK" and 18 upper-case base32 characters, 20 in all, as AWS's. */
  public static final Pattern ACCESS_KEY_ID = Pattern.compile("EK[A-Z2-7]{18}");
  private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_NAME = 200;
  private static final int MAX_CACHED = 10_000;

  private final FileService files;
  private final BucketStore store;
  private final Clock clock;
  private final ConcurrentHashMap<String, Opened> opened = new ConcurrentHashMap<>();

  public S3Credentials(FileService files, BucketStore store, Clock clock) {
    this.files = files;
    this.store = store;
    this.clock = clock;
  }

  /** A new credential and its secret, which exists nowhere else: {@link #toString()} does not show it. */
  public record Created(S3CredentialRecord record, String secret) {
    @Override
    public String toString() {
      return "Created[" + record + "]";
    }
  }

  /** A credential as a signature check uses it. The secret bytes are the caller's to read, never to keep. */
  public record Opened(S3CredentialRecord record, byte[] secret, Instant until) {
    public Principal principal() {
      return new Principal(record.tenant(), record.role(), "s3:" + record.accessKeyId());
    }

    @Override
    public String toString() {
      return "Opened[" + record + "]";
    }
  }

  /**
   * Makes a credential for {@code tenant}: {@link Role#WRITE} (read and write its buckets) or {@link Role#READ}.
   *
   * @throws EnvelopeException INVALID_ARGUMENT for another role or a bad name, or a key service or store code
   */
  public Created create(String tenant, Role role, String name) throws EnvelopeException {
    if (role != Role.READ && role != Role.WRITE) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "an S3 credential is read-only or read-write");
    }
    String label = name == null ? "" : name;
    if (label.length() > MAX_NAME || DisplayText.problem(label).isPresent()) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a credential's name is at most " + MAX_NAME
          + " printable characters");
    }
    String id = randomId();
    try (DataKey key = files.newSecret(tenant, S3CredentialRecord.contextOf(tenant, id))) {
      byte[] plain = key.copyPlaintext(InsecureKeyAccess.get());
      try {
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(plain);
        S3CredentialRecord record = new S3CredentialRecord(id, tenant, role, label, files.keyServiceName(),
            key.wrapped(), clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), Optional.empty());
        store.insertS3Credential(record);
        LOG.info("S3 credential {} ({}) made for tenant {}", id, role.id(), tenant);
        return new Created(record, secret);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    }
  }

  /** The credentials of one tenant, or of all when {@code tenant} is null, oldest first. */
  public List<S3CredentialRecord> list(String tenant) throws EnvelopeException {
    return store.listS3Credentials(tenant);
  }

  /**
   * Revokes a credential; NOT_FOUND when there is none, or when {@code tenant} is not null and not its tenant.
   */
  public void revoke(String tenant, String accessKeyId) throws EnvelopeException {
    Optional<S3CredentialRecord> found = ACCESS_KEY_ID.matcher(accessKeyId).matches()
        ? store.findS3Credential(accessKeyId) : Optional.empty();
    if (found.isEmpty() || tenant != null && !found.get().tenant().equals(tenant)
        || !store.revokeS3Credential(accessKeyId, clock.instant())) {
      throw new EnvelopeException(ErrorCode.NOT_FOUND, "no S3 credential " + accessKeyId);
    }
    forget(accessKeyId);
    LOG.info("S3 credential {} of tenant {} revoked", accessKeyId, found.get().tenant());
  }

  /**
   * The credential that may sign a request, with its secret; empty for an id that is unknown, malformed or revoked.
   * The row is read every time; the secret is unwrapped at most once per {@link #SECRET_TTL}.
   */
  public Optional<Opened> open(String accessKeyId) throws EnvelopeException {
    if (accessKeyId == null || !ACCESS_KEY_ID.matcher(accessKeyId).matches()) {
      return Optional.empty();
    }
    Optional<S3CredentialRecord> found = store.findS3Credential(accessKeyId);
    if (found.isEmpty() || found.get().isRevoked()) {
      forget(accessKeyId);
      return Optional.empty();
    }
    S3CredentialRecord record = found.get();
    Instant now = clock.instant();
    Opened cached = opened.get(accessKeyId);
    if (cached != null && now.isBefore(cached.until())
        && Arrays.equals(cached.record().sealedSecret().ciphertext(), record.sealedSecret().ciphertext())) {
      return Optional.of(new Opened(record, cached.secret(), cached.until()));
    }
    try (DataKey key = files.openSecret(record.tenant(), record.keyService(), record.sealedSecret(),
        S3CredentialRecord.contextOf(record.tenant(), accessKeyId))) {
      byte[] plain = key.copyPlaintext(InsecureKeyAccess.get());
      byte[] secret = Base64.getUrlEncoder().withoutPadding().encodeToString(plain)
          .getBytes(StandardCharsets.US_ASCII);
      Arrays.fill(plain, (byte) 0);
      Opened fresh = new Opened(record, secret, now.plus(SECRET_TTL));
      if (opened.size() >= MAX_CACHED) {
        opened.clear();
      }
      // A replaced entry is not zeroed: a request being checked on another thread may still read it.
      opened.put(accessKeyId, fresh);
      return Optional.of(fresh);
    }
  }

  private void forget(String accessKeyId) {
    opened.remove(accessKeyId);
  }

  static String randomId() {
    char[] id = new char[20];
    id[0] = 'E';
    id[1] = 'K';
    for (int i = 2; i < id.length; i++) {
      id[i] = BASE32[RANDOM.nextInt(32)];
    }
    return new String(id);
  }
}
