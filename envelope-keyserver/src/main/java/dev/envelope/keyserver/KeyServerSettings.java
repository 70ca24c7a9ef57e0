package dev.envelope.keyserver;

import dev.envelope.http.HttpLimits;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link KeyServer} listens and where it keeps its files. Loopback only unless {@code host} says
 * otherwise; plain HTTP unless {@code tls} is given.
 *
 * @param host the address to bind, {@value #DEFAULT_HOST} by default
 * @param port the port, 0 for any free one
 * @param region the AWS region key ARNs name and signatures must be scoped to
 * @param account the 12-digit account key ARNs name
 * @param credentialsFile the access keys ({@link CredentialStore})
 * @param auditLogFile where the audit log is appended
 * @param tls the server certificate, if HTTPS
 * @param maxBodyBytes the largest request body read; a larger one is refused before it is read
 * @param maxJsonDepth the deepest nesting of a request's JSON (KMS requests nest two deep)
 * @param limits the bounds on connections, threads, headers, time, data rate and failed authentications
 */
public record KeyServerSettings(String host, int port, String region, String account, Path credentialsFile,
    Path auditLogFile, Optional<Tls> tls, int maxBodyBytes, int maxJsonDepth, HttpLimits limits) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8420;
  public static final String DEFAULT_REGION = "us-east-1";
  public static final String DEFAULT_ACCOUNT = "111122223333";
  /** KMS requests are small (a 6 KiB ciphertext is the largest field, 8 KiB after base64). */
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_JSON_DEPTH = 8;

  public KeyServerSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tls, "tls");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535");
    }
    new KeyIds(region, account); // validates both
    if (maxBodyBytes < 1024 || maxBodyBytes > 16 << 20) {
      throw new IllegalArgumentException("maxBodyBytes must be from 1024 to 16 MiB");
    }
    if (maxJsonDepth < 2 || maxJsonDepth > 1000) {
      throw new IllegalArgumentException("maxJsonDepth must be from 2 to 1000");
    }
    Objects.requireNonNull(limits, "limits");
  }

  /** The defaults for a key server whose files live in {@code dir} (the CLI uses $ENVELOPE_HOME/keyserver). */
  public static KeyServerSettings defaults(Path dir) {
    return new KeyServerSettings(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REGION, DEFAULT_ACCOUNT,
        dir.resolve("credentials.json"), dir.resolve("audit.log"), Optional.empty(), DEFAULT_MAX_BODY_BYTES,
        DEFAULT_MAX_JSON_DEPTH, HttpLimits.defaults());
  }

  public KeyServerSettings withAddress(String host, int port) {
    return new KeyServerSettings(host, port, region, account, credentialsFile, auditLogFile, tls, maxBodyBytes,
        maxJsonDepth, limits);
  }

  public KeyServerSettings withArnParts(String region, String account) {
    return new KeyServerSettings(host, port, region, account, credentialsFile, auditLogFile, tls, maxBodyBytes,
        maxJsonDepth, limits);
  }

  public KeyServerSettings withAuditLog(Path file) {
    return new KeyServerSettings(host, port, region, account, credentialsFile, file, tls, maxBodyBytes,
        maxJsonDepth, limits);
  }

  public KeyServerSettings withTls(Tls tls) {
    return new KeyServerSettings(host, port, region, account, credentialsFile, auditLogFile, Optional.of(tls),
        maxBodyBytes, maxJsonDepth, limits);
  }

  /** These bounds on request bodies and their JSON. */
  public KeyServerSettings withBodyLimits(int maxBodyBytes, int maxJsonDepth) {
    return new KeyServerSettings(host, port, region, account, credentialsFile, auditLogFile, tls, maxBodyBytes,
        maxJsonDepth, limits);
  }

  /** These bounds on connections, threads, headers, time, data rate and failed authentications. */
  public KeyServerSettings withLimits(HttpLimits limits) {
    return new KeyServerSettings(host, port, region, account, credentialsFile, auditLogFile, tls, maxBodyBytes,
        maxJsonDepth, limits);
  }

  /**
   * A PKCS#12 key store holding the server's certificate and private key.
   *
   * @param password its password; {@link #toString()} does not show it
   */
  public record Tls(Path keyStore, String password) {
    public Tls {
      Objects.requireNonNull(keyStore, "keyStore");
      Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
      return "Tls[" + keyStore + "]";
    }
  }
}
