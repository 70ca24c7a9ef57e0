package dev.envelope.pkcs11;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.internal.KeyRecord;
import dev.envelope.core.internal.ManagedKeyBackend;
import dev.envelope.core.internal.ManagedKeys;
import dev.envelope.core.internal.WrapBudget;
import dev.envelope.core.internal.WrapFormat;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.time.Clock;
import java.util.List;

/**
 * The PKCS#11 key service: every root key version is an AES-256 key generated inside a PKCS#11 token
 * (through Java's SunPKCS11 provider) as a sensitive, non-extractable object labelled {@code envelope/<id>/v<version>}, and
 * every wrap and unwrap is AES-GCM performed by the token ({@link WrapFormat}, label {@value #WRAP_LABEL}, so a
 * wrapped key never unwraps as a local keyring key). What PKCS#11 cannot hold (ids, aliases, states, deletion
 * dates, rotation schedules, version lists, wrap counts) lives in a metadata file beside the data, authenticated
 * by an HMAC key that is itself non-extractable in the token ({@link MetadataFile}). The life of the keys is
 * {@link ManagedKeys}', as for the local keyring; this class is its backend: the token and the metadata file.
 *
 * <h2>Security guarantees</h2>
 * Root key material never exists outside the token. Metadata changes are read-modify-write under an
 * inter-process lock and land atomically. A key whose deletion date has passed is treated as gone at once;
 * at the next write (or open) its token objects are destroyed, then the metadata forgets it. Versions are
 * rotated before {@link #DEFAULT_WRAPS_PER_VERSION} wraps and when automatic rotation is due, at the next use.
 * Thread-safe.
 *
 * <h2>Restrictions</h2>
 * A PKCS#11 login belongs to the whole process: a second service opened on a token this JVM is already
 * logged in to does not have its PIN checked again.
 */
public final class Pkcs11KeyService implements ManagedKeyBackend {
  /** The key service name written into file headers. */
  public static final String NAME = "pkcs11";
  /** The key metadata file's name in its home: a home without it has no keys yet. */
  public static final String METADATA_FILE_NAME = MetadataFile.FILE_NAME;
  /** Wraps allowed under one key version before it is rotated: {@value WrapBudget#DEFAULT_WRAPS_PER_VERSION}. */
  public static final long DEFAULT_WRAPS_PER_VERSION = WrapBudget.DEFAULT_WRAPS_PER_VERSION;
  /** The label at the head of a wrapped key's associated data. */
  static final String WRAP_LABEL = "envelope/pkcs11-wrap/v1";
  private static final WrapFormat WRAP = WrapFormat.withLabel(WRAP_LABEL);

  private final Token token;
  private final MetadataFile file;

  private Pkcs11KeyService(Token token, MetadataFile file) {
    this.token = token;
    this.file = file;
  }

  /** Logs in to the configured token and reads the key metadata. */
  public static ManagedKeyService open(Pkcs11Config config) throws EnvelopeException {
    return open(config, Clock.systemUTC());
  }

  /** As {@link #open(Pkcs11Config)}, reading the time (deletion dates, rotation) from {@code clock}. */
  public static ManagedKeyService open(Pkcs11Config config, Clock clock) throws EnvelopeException {
    return open(config, clock, DEFAULT_WRAPS_PER_VERSION);
  }

  /** As {@link #open(Pkcs11Config, Clock)} with another wrap limit per version (tests lower it). */
  static ManagedKeyService open(Pkcs11Config config, Clock clock, long wrapsPerVersion) throws EnvelopeException {
    Token token = Token.open(config);
    return ManagedKeys.open(new Pkcs11KeyService(token, new MetadataFile(config.home(), token)), clock,
        wrapsPerVersion);
  }

  /** The label of the token object that holds a key version's AES key. */
  static String label(String keyId, int version) {
    return "envelope/" + keyId + "/v" + version;
  }

  /** The token of a service {@link #open} made, for tests that try to read key material out of it. */
  static Token token(ManagedKeyService service) {
    return ((Pkcs11KeyService) ((ManagedKeys) service).backend()).token;
  }

  @Override
  public String name() {
    return NAME;
  }

  // ---- the backend: the metadata file and the token's objects ----

  @Override
  public Object stamp() {
    return file.stamp();
  }

  @Override
  public List<KeyRecord> read() throws EnvelopeException {
    return file.read();
  }

  @Override
  public ManagedKeyBackend.WriteLock lock() throws EnvelopeException {
    return file.lock();
  }

  @Override
  public void write(List<KeyRecord> keys) throws EnvelopeException {
    file.write(keys);
  }

  @Override
  public void makeMaterial(String keyId, int version) throws EnvelopeException {
    token.generateAes(label(keyId, version));
  }

  @Override
  public void destroyMaterial(String keyId, int version) throws EnvelopeException {
    token.destroy(label(keyId, version));
  }

  // ---- the backend: AES-GCM in the token ----

  @Override
  public WrappedKey wrap(String keyId, int version, byte[] plaintext, EncryptionContext context)
      throws EnvelopeException {
    return WRAP.wrap(keyId, version, plaintext, context, gcm(material(keyId, version)));
  }

  @Override
  public byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    return WRAP.unwrap(wrapped, context, gcm(material(wrapped.rootKeyId(), wrapped.rootKeyVersion())));
  }

  private Key material(String id, int version) throws EnvelopeException {
    Key key = token.key(label(id, version));
    if (key == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "version " + version + " of root key " + id
          + " is not in " + token.name());
    }
    return key;
  }

  private WrapFormat.Gcm gcm(Key key) {
    return new WrapFormat.Gcm() {
      @Override
      public byte[] seal(byte[] nonce, byte[] aad, byte[] plaintext) throws EnvelopeException {
        return token.encrypt(key, nonce, aad, plaintext);
      }

      @Override
      public byte[] open(byte[] nonce, byte[] aad, byte[] in, int offset, int length)
          throws GeneralSecurityException, EnvelopeException {
        return token.decrypt(key, nonce, aad, in, offset, length);
      }
    };
  }

  @Override
  public String toString() {
    return "Pkcs11KeyService[" + token.name() + ", " + file.path() + "]";
  }
}
