package dev.envelope.service;

import dev.envelope.core.WrappedKey;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An S3 access key as stored. SigV4 needs the secret itself, not a hash of it, so the secret is a data key made by
 * the key service under the tenant's root key, and the row holds only its wrapped form: reading the secret needs
 * the key service (and the root key), like reading a file. The wrapped key's encryption context is {@link
 * #contextOf}: a wrapped secret moved to another row does not unwrap.
 *
 * @param accessKeyId the public id (in every request's {@code Credential=}); 20 upper-case letters and digits
 * @param tenant whose buckets it opens
 * @param role {@link Role#READ} (read-only) or {@link Role#WRITE}; never more
 * @param name a label for people (may be empty)
 * @param keyService the {@link dev.envelope.core.KeyService#name()} that wrapped the secret
 * @param sealedSecret the secret, wrapped
 * @param createdAt when it was made
 * @param revokedAt when it was revoked, if it was
 */
public record S3CredentialRecord(String accessKeyId, String tenant, Role role, String name, String keyService,
    WrappedKey sealedSecret, Instant createdAt, Optional<Instant> revokedAt) {
  public S3CredentialRecord {
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keyService, "keyService");
    Objects.requireNonNull(sealedSecret, "sealedSecret");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
  }

  /** The encryption context that binds a sealed secret to its access key and tenant. */
  public static dev.envelope.core.EncryptionContext contextOf(String tenant, String accessKeyId) {
    return dev.envelope.core.EncryptionContext.of(java.util.Map.of("purpose", "s3-credential", "tenant", tenant,
        "accessKeyId", accessKeyId));
  }

  public boolean isRevoked() {
    return revokedAt.isPresent();
  }

  @Override
  public String toString() {
    return "S3CredentialRecord[" + accessKeyId + ", " + tenant + ", " + role + "]";
  }
}
