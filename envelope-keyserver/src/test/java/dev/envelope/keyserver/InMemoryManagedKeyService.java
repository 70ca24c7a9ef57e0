package dev.envelope.keyserver;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import dev.envelope.core.WrappedKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A test double of {@link ManagedKeyService}, small enough to trust: AES-256-GCM under the key version's
 * material with (id, version, context) as associated data. Used only where the real keyring is not needed.
 */
final class InMemoryManagedKeyService implements ManagedKeyService {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final class Key {
    final String id = UUID.randomUUID().toString();
    final Instant createdAt = Instant.now();
    final List<byte[]> versions = new ArrayList<>();
    String description;
    KeyState state = KeyState.ENABLED;
    Instant deletionDate;
    Duration rotation;
  }

  private final Map<String, Key> keys = new TreeMap<>();
  private final Map<String, String> aliases = new TreeMap<>();

  @Override
  public String name() {
    return "in-memory";
  }

  @Override
  public synchronized RootKey createKey(String description) {
    Key key = new Key();
    key.description = description;
    key.versions.add(random(32));
    keys.put(key.id, key);
    return info(key);
  }

  @Override
  public synchronized List<RootKey> listKeys() {
    return keys.values().stream().map(this::info).toList();
  }

  @Override
  public synchronized RootKey describeKey(String keyRef) throws EnvelopeException {
    return info(find(keyRef));
  }

  @Override
  public synchronized RootKey enableKey(String keyRef) throws EnvelopeException {
    return setState(keyRef, KeyState.ENABLED);
  }

  @Override
  public synchronized RootKey disableKey(String keyRef) throws EnvelopeException {
    return setState(keyRef, KeyState.DISABLED);
  }

  @Override
  public synchronized RootKey scheduleKeyDeletion(String keyRef, int pendingDays) throws EnvelopeException {
    if (pendingDays < MIN_PENDING_DAYS || pendingDays > MAX_PENDING_DAYS) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "pending window must be 7 to 30 days");
    }
    Key key = find(keyRef);
    key.state = KeyState.PENDING_DELETION;
    key.deletionDate = Instant.now().plus(Duration.ofDays(pendingDays));
    return info(key);
  }

  @Override
  public synchronized RootKey cancelKeyDeletion(String keyRef) throws EnvelopeException {
    Key key = find(keyRef);
    if (key.state != KeyState.PENDING_DELETION) {
      throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "key " + key.id + " is not pending deletion");
    }
    key.state = KeyState.DISABLED;
    key.deletionDate = null;
    return info(key);
  }

  @Override
  public synchronized RootKey setAutomaticRotation(String keyRef, Duration period) throws EnvelopeException {
    Key key = usable(keyRef, false);
    key.rotation = period;
    return info(key);
  }

  @Override
  public synchronized RootKey rotateKey(String keyRef) throws EnvelopeException {
    Key key = usable(keyRef, false);
    key.versions.add(random(32));
    return info(key);
  }

  @Override
  public synchronized void createAlias(String alias, String keyRef) throws EnvelopeException {
    Key key = find(keyRef);
    if (aliases.containsKey(alias)) {
      throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, "alias " + alias + " already exists");
    }
    aliases.put(alias, key.id);
  }

  @Override
  public synchronized void deleteAlias(String alias) throws EnvelopeException {
    if (aliases.remove(alias) == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no alias " + alias);
    }
  }

  @Override
  public synchronized WrappedKey encrypt(String keyRef, byte[] plaintext, EncryptionContext context)
      throws EnvelopeException {
    Key key = usable(keyRef, true);
    int version = key.versions.size();
    byte[] nonce = random(12);
    byte[] sealed = gcm(Cipher.ENCRYPT_MODE, key, version, nonce, context, plaintext);
    return WrappedKey.of(key.id, version, ByteBuffer.allocate(12 + sealed.length).put(nonce).put(sealed).array());
  }

  @Override
  public synchronized byte[] decryptBytes(WrappedKey wrapped, EncryptionContext context)
      throws EnvelopeException {
    Key key = usable(wrapped.rootKeyId(), true);
    if (wrapped.rootKeyVersion() < 1 || wrapped.rootKeyVersion() > key.versions.size()) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no such key version");
    }
    byte[] ciphertext = wrapped.ciphertext();
    if (ciphertext.length < 12 + 16) {
      throw new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "wrapped key is damaged");
    }
    return gcm(Cipher.DECRYPT_MODE, key, wrapped.rootKeyVersion(), Arrays.copyOf(ciphertext, 12), context,
        Arrays.copyOfRange(ciphertext, 12, ciphertext.length));
  }

  @Override
  public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
    byte[] plaintext = random(DataKey.SIZE_BYTES);
    try {
      return DataKey.of(plaintext, encrypt(rootKey, plaintext, context));
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
    byte[] plaintext = decryptBytes(wrapped, context);
    try {
      return DataKey.of(plaintext, wrapped);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
      throws EnvelopeException {
    byte[] plaintext = decryptBytes(wrapped, context);
    try {
      return encrypt(newRootKey, plaintext, context);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  private RootKey setState(String keyRef, KeyState state) throws EnvelopeException {
    Key key = usable(keyRef, false);
    key.state = state;
    return info(key);
  }

  private Key find(String keyRef) throws EnvelopeException {
    Key key = keys.get(aliases.getOrDefault(keyRef, keyRef));
    if (key == null) {
      throw new EnvelopeException(ErrorCode.KEY_NOT_FOUND, "no root key '" + keyRef + "'");
    }
    return key;
  }

  private Key usable(String keyRef, boolean mustBeEnabled) throws EnvelopeException {
    Key key = find(keyRef);
    if (key.state == KeyState.PENDING_DELETION) {
      throw new EnvelopeException(ErrorCode.KEY_INVALID_STATE, "key " + key.id + " is pending deletion");
    }
    if (mustBeEnabled && key.state == KeyState.DISABLED) {
      throw new EnvelopeException(ErrorCode.KEY_DISABLED, "key " + key.id + " is disabled");
    }
    return key;
  }

  private RootKey info(Key key) {
    List<String> names = aliases.entrySet().stream().filter(e -> e.getValue().equals(key.id))
        .map(Map.Entry::getKey).toList();
    return new RootKey(key.id, names, key.description, key.state, key.versions.size(), key.createdAt,
        Optional.ofNullable(key.deletionDate), Optional.ofNullable(key.rotation),
        Optional.ofNullable(key.rotation).map(r -> key.createdAt.plus(r)));
  }

  private static byte[] gcm(int mode, Key key, int version, byte[] nonce, EncryptionContext context,
      byte[] input) throws EnvelopeException {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, new SecretKeySpec(key.versions.get(version - 1), "AES"), new GCMParameterSpec(128, nonce));
      cipher.updateAAD((key.id + "/" + version).getBytes(StandardCharsets.UTF_8));
      cipher.updateAAD(context.canonicalBytes());
      return cipher.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(ErrorCode.INVALID_WRAPPED_KEY, "wrapped key does not unwrap here");
    }
  }

  private static byte[] random(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
