package dev.envelope.keyring;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the local keyring lives and where its {@link MasterKey} comes from: the key itself (which an adapter
 * takes from an environment variable, never from a flag, which {@code ps} shows to every user), a file holding
 * it, or neither, in which case a try-it-out key generated beside the keyring is used, and made only if
 * {@linkplain Builder#mayGenerateMasterKey allowed}. Built by {@link #builder}; {@link #toString()} never shows
 * the key.
 */
public final class KeyringConfig {
  private final Path home;
  private final MasterKey masterKey;
  private final Path masterKeyFile;
  private final String masterKeyFileSource;
  private final boolean mayGenerateMasterKey;

  private KeyringConfig(Builder b) {
    this.home = b.home;
    this.masterKey = b.masterKey;
    this.masterKeyFile = b.masterKeyFile;
    this.masterKeyFileSource = b.masterKeyFileSource;
    this.mayGenerateMasterKey = b.mayGenerateMasterKey;
  }

  /** A configuration of the keyring in {@code home} (the Envelope home directory). */
  public static Builder builder(Path home) {
    return new Builder(Objects.requireNonNull(home));
  }

  public Path home() {
    return home;
  }

  MasterKey masterKey() {
    return masterKey;
  }

  Path masterKeyFile() {
    return masterKeyFile;
  }

  /** Where the master key file was named, for messages ("ENVELOPE_MASTER_KEY_FILE (/run/secrets/mk)"). */
  String masterKeyFileSource() {
    return masterKeyFileSource;
  }

  boolean mayGenerateMasterKey() {
    return mayGenerateMasterKey;
  }

  @Override
  public String toString() {
    return "KeyringConfig[home=" + home + ", master key " + (masterKey != null ? "id " + masterKey.id()
        : masterKeyFile != null ? "file " + masterKeyFile : "generated in the home") + "]";
  }

  /** Builds a {@link KeyringConfig}; at most one source of the master key. */
  public static final class Builder {
    private final Path home;
    private MasterKey masterKey;
    private Path masterKeyFile;
    private String masterKeyFileSource;
    private boolean mayGenerateMasterKey;

    private Builder(Path home) {
      this.home = home;
    }

    /** The master key itself. */
    public Builder masterKey(MasterKey key) {
      this.masterKey = Objects.requireNonNull(key);
      return this;
    }

    /**
     * A file holding the master key in base64, refused unless only its owner can read or change it.
     *
     * @param source where it was named, for messages
     */
    public Builder masterKeyFile(Path file, String source) {
      this.masterKeyFile = Objects.requireNonNull(file);
      this.masterKeyFileSource = Objects.requireNonNull(source);
      return this;
    }

    /**
     * Whether a missing master key may be generated on a fresh home (off by default: only commands that create
     * keys should, so that a mistyped home does not grow a new key).
     */
    public Builder mayGenerateMasterKey(boolean may) {
      this.mayGenerateMasterKey = may;
      return this;
    }

    /** {@link ErrorCode#KEYRING_UNAVAILABLE} if both a master key and a master key file are given. */
    public KeyringConfig build() throws EnvelopeException {
      if (masterKey != null && masterKeyFile != null) {
        throw new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, "both " + MasterKey.ENV_KEY + " and a master"
            + " key file (" + masterKeyFileSource + ") are set; set only one");
      }
      return new KeyringConfig(this);
    }
  }
}
