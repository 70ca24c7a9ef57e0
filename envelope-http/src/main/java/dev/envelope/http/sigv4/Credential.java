package dev.envelope.http.sigv4;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A secret access key as a {@link SecretLookup} found it, with the principal it stands for (returned to the
 * caller once the signature checks). Single use: the verifier takes the secret once to derive the request's
 * signing key and zeroes its copy; a lookup makes a new one for every call. {@link #toString()} shows no secret.
 *
 * @param <P> what the caller knows the key by (an access key record, a tenant and role, ...)
 */
public final class Credential<P> {
  private final byte[] secret;
  private final P principal;
  private boolean taken;

  private Credential(byte[] secret, P principal) {
    this.secret = secret;
    this.principal = Objects.requireNonNull(principal, "principal");
  }

  /** {@code secret} is the UTF-8 of the secret access key as the client signs with it; it is copied. */
  public static <P> Credential<P> of(byte[] secret, P principal) {
    return new Credential<>(secret.clone(), principal);
  }

  public static <P> Credential<P> of(String secret, P principal) {
    return new Credential<>(secret.getBytes(StandardCharsets.UTF_8), principal);
  }

  public P principal() {
    return principal;
  }

  /** The signing key secret ({@code "AWS4" + secret}), once; the copy held here is zeroed. */
  synchronized byte[] takeKeySecret() {
    if (taken) {
      throw new IllegalStateException("a Credential is used once: the lookup must return a new one each time");
    }
    taken = true;
    byte[] keySecret = new byte[4 + secret.length];
    System.arraycopy("AWS4".getBytes(StandardCharsets.US_ASCII), 0, keySecret, 0, 4);
    System.arraycopy(secret, 0, keySecret, 4, secret.length);
    Arrays.fill(secret, (byte) 0);
    return keySecret;
  }

  @Override
  public String toString() {
    return "Credential[" + principal + "]";
  }
}
