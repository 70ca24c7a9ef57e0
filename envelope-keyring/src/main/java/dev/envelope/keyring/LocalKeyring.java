package dev.envelope.keyring;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.WrappedKey;
import dev.envelope.core.internal.KeyRecord;
import dev.envelope.core.internal.KeyRecordJson;
import dev.envelope.core.internal.ManagedKeyBackend;
import dev.envelope.core.internal.ManagedKeyRules;
import dev.envelope.core.internal.ManagedKeys;
import dev.envelope.core.internal.WrapBudget;
import dev.envelope.core.internal.WrapFormat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The local key service: AES-256 root keys with ids, aliases, versions, states and rotation schedules, kept
 * in one keyring file under the Envelope home directory and sealed by a {@link MasterKey}. Data keys and small
 * secrets are wrapped with AES-256-GCM under the current version of a root key, with the root key id, version
 * and encryption context as associated data ({@link WrapFormat}, label {@value #WRAP_LABEL}). The life of the
 * keys (states, deletion, rotation, aliases, wrap counts) is {@link ManagedKeys}'; this class is its backend:
 * the file that stores the records and material, and the JDK's AES-GCM.
 *
 * <h2>Security guarantees</h2>
 * Root key material never leaves this class: not in return values, exceptions or {@code toString}. Every
 * change is read-modify-write under an inter-process lock and lands atomically, so concurrent processes do
 * not lose each other's changes and a crash leaves the previous keyring or the new one, never a broken one.
 * Other processes' changes (a disabled key, say) are seen at the next operation. A key whose deletion date
 * has passed is treated as gone at once, and its material is purged from the file at the next write (or
 * open). A version is rotated before it wraps {@link #DEFAULT_WRAPS_PER_VERSION} keys, and automatic rotation
 * happens at the first use after it is due. Thread-safe.
 */
public final class LocalKeyring implements ManagedKeyBackend {
  /** The key service name written into file headers. */
  public static final String NAME = "local";
  /** Where the CLI keeps the keyring unless told otherwise. */
  public static final String DEFAULT_HOME = "envelope-data";
  /** The keyring file's name in its home: a home without it has no keys yet. */
  public static final String FILE_NAME = KeyringFile.FILE_NAME;
  /** Wraps allowed under one key version before it is rotated: {@value WrapBudget#DEFAULT_WRAPS_PER_VERSION}. */
  public static final long DEFAULT_WRAPS_PER_VERSION = WrapBudget.DEFAULT_WRAPS_PER_VERSION;
  /** The label at the head of a wrapped key's associated data. */
  static final String WRAP_LABEL = "envelope/local-wrap/v1";
  static final WrapFormat WRAP = WrapFormat.withLabel(WRAP_LABEL);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyringFile file;
  /** The state last read or written: the material wraps use. */
  private volatile KeyringState state = KeyringState.empty();
  /** Material made since the last read, written with the next write (ManagedKeys calls one at a time). */
  private final Map<String, byte[]> made = new HashMap<>();

  private LocalKeyring(KeyringFile file) {
    this.file = file;
  }

  /** Opens (without creating) the keyring in {@code home}, sealed by {@code master}. */
  public static ManagedKeyService open(Path home, MasterKey master) throws EnvelopeException {
    return open(home, master, Clock.systemUTC());
  }

  /** As {@link #open(Path, MasterKey)}, reading the time (deletion dates, rotation) from {@code clock}. */
  public static ManagedKeyService open(Path home, MasterKey master, Clock clock) throws EnvelopeException {
    return open(home, master, clock, DEFAULT_WRAPS_PER_VERSION);
  }

  /** As {@link #open(Path, MasterKey, Clock)} with another wrap limit per version (tests lower it). */
  static ManagedKeyService open(Path home, MasterKey master, Clock clock, long wrapsPerVersion)
      throws EnvelopeException {
    return ManagedKeys.open(new LocalKeyring(new KeyringFile(home, master)), clock, wrapsPerVersion);
  }

  /**
   * Opens the keyring {@code config} describes, generating a try-it-out master key on a fresh home if it allows.
   *
   * @param warnings where the loud notice about a generated master key goes
   */
  public static ManagedKeyService open(KeyringConfig config, PrintStream warnings) throws EnvelopeException {
    return open(config.home(), MasterKey.resolve(config, warnings));
  }

  @Override
  public String name() {
    return NAME;
  }

  // ---- the backend: the keyring file ----

  @Override
  public Object stamp() {
    return file.stamp();
  }

  @Override
  public List<KeyRecord> read() throws EnvelopeException {
    KeyringState read = file.read();
    state = read;
    made.clear(); // material of an update that failed before its write is never used
    return read.keys();
  }

  @Override
  public ManagedKeyBackend.WriteLock lock() throws EnvelopeException {
    return file.lock();
  }

  @Override
  public void write(List<KeyRecord> keys) throws EnvelopeException {
    Map<String, byte[]> candidates = new HashMap<>(state.material());
    candidates.putAll(made);
    KeyringState next = KeyringState.of(keys, candidates);
    file.write(next);
    state = next;
    made.clear();
  }

  /** 32 random bytes for the new version, written with the records that name it. */
  @Override
  public void makeMaterial(String keyId, int version) {
    byte[] material = new byte[32];
    RANDOM.nextBytes(material);
    made.put(KeyRecordJson.slot(keyId, version), material);
  }

  /** Nothing to do: the next write keeps only the material of the versions its records name. */
  @Override
  public void destroyMaterial(String keyId, int version) {}

  // ---- the backend: AES-GCM in the JDK ----

  @Override
  public WrappedKey wrap(String keyId, int version, byte[] plaintext, EncryptionContext context)
      throws EnvelopeException {
    return WRAP.wrap(keyId, version, plaintext, context, gcm(material(keyId, version)));
  }

  @Override
  public byte[] unwrap(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    return WRAP.unwrap(wrapped, context, gcm(material(wrapped.rootKeyId(), wrapped.rootKeyVersion())));
  }

  private byte[] material(String keyId, int version) throws EnvelopeException {
    byte[] material = state.material(keyId, version);
    if (material == null) { // destroyed by another process between the lookup and now
      throw ManagedKeyRules.notFound(keyId);
    }
    return material;
  }

  private static WrapFormat.Gcm gcm(byte[] material) {
    return new WrapFormat.Gcm() {
      @Override
      public byte[] seal(byte[] nonce, byte[] aad, byte[] plaintext) {
        try {
          return cipher(Cipher.ENCRYPT_MODE, material, nonce, aad).doFinal(plaintext);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("AES-GCM is unavailable in this Java runtime", e);
        }
      }

      @Override
      public byte[] open(byte[] nonce, byte[] aad, byte[] in, int offset, int length)
          throws AEADBadTagException {
        try {
          return cipher(Cipher.DECRYPT_MODE, material, nonce, aad).doFinal(in, offset, length);
        } catch (AEADBadTagException e) {
          throw e;
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("AES-GCM is unavailable in this Java runtime", e);
        }
      }
    };
  }

  private static Cipher cipher(int mode, byte[] material, byte[] nonce, byte[] aad) throws GeneralSecurityException {
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(mode, new SecretKeySpec(material, "AES"), new GCMParameterSpec(WrapFormat.TAG_BYTES * 8, nonce));
    gcm.updateAAD(aad);
    return gcm;
  }

  @Override
  public String toString() {
    return "LocalKeyring[" + file.path() + "]";
  }
}
