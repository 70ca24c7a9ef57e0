package dev.envelope.pkcs11;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where the PKCS#11 token is and how to log in to it: the module library, the slot (by number or by token
 * label), the user PIN, and the directory that holds the key metadata file. Built by {@link #builder}.
 *
 * <p>The PIN is given as such (an adapter takes it from an environment variable) or as a file holding it, never
 * from a command-line flag (which {@code ps} shows to every user); a PIN file others may read or change is
 * refused ({@link PrivateFiles#checkSecret}). {@link #toString()} never shows it.
 */
public final class Pkcs11Config {
  private static final int MAX_PIN_FILE_BYTES = 1024;

  private final Path library;
  private final Long slot;
  private final String tokenLabel;
  private final char[] pin;
  private final Path home;

  private Pkcs11Config(Path library, Long slot, String tokenLabel, char[] pin, Path home) {
    this.library = library;
    this.slot = slot;
    this.tokenLabel = tokenLabel;
    this.pin = pin;
    this.home = home;
  }

  /** A configuration of the token behind the module {@code library}, with the key metadata in {@code home}. */
  public static Builder builder(Path library, Path home) {
    return new Builder(Objects.requireNonNull(library), Objects.requireNonNull(home));
  }

  /** Builds a {@link Pkcs11Config}: exactly one of slot and token label, exactly one of PIN and PIN file. */
  public static final class Builder {
    private final Path library;
    private final Path home;
    private Long slot;
    private String tokenLabel;
    private char[] pin;
    private Path pinFile;

    private Builder(Path library, Path home) {
      this.library = library;
      this.home = home;
    }

    /** Names the slot by number. */
    public Builder slot(long number) {
      this.slot = number;
      return this;
    }

    /** Names the slot by the label of the token in it (1 to 32 characters). */
    public Builder tokenLabel(String label) {
      this.tokenLabel = Objects.requireNonNull(label);
      return this;
    }

    /** The user PIN (copied; the caller zeroes its array). */
    public Builder pin(char[] newPin) {
      this.pin = newPin.clone();
      return this;
    }

    /** A file holding the user PIN, refused unless only its owner can read or change it. */
    public Builder pinFile(Path file) {
      this.pinFile = Objects.requireNonNull(file);
      return this;
    }

    /** Checks everything, reads the PIN file; every mistake is {@link ErrorCode#KEYRING_UNAVAILABLE}. */
    public Pkcs11Config build() throws EnvelopeException {
      if ((slot == null) == (tokenLabel == null)) {
        throw unavailable("name the PKCS#11 token by exactly one of its slot number and its token label");
      }
      if (slot != null && slot < 0) {
        throw unavailable("a PKCS#11 slot number must not be negative");
      }
      if (tokenLabel != null && (tokenLabel.isEmpty() || tokenLabel.length() > 32)) {
        throw unavailable("a PKCS#11 token label is 1 to 32 characters");
      }
      Path checkedLibrary = checkLibrary(library);
      if (pin != null && pinFile != null) {
        throw unavailable("both a PIN and a PIN file are given for the PKCS#11 token; give only one");
      }
      if (pin == null && pinFile == null) {
        throw unavailable("no PIN for the PKCS#11 token");
      }
      if (pin != null && pin.length == 0) {
        throw unavailable("the PIN for the PKCS#11 token is empty");
      }
      char[] chosen = pin != null ? pin.clone() : readPin(pinFile);
      return new Pkcs11Config(checkedLibrary, slot, tokenLabel, chosen, home);
    }
  }

  private static char[] readPin(Path path) throws EnvelopeException {
    try {
      if (!Files.isRegularFile(path) || Files.size(path) > MAX_PIN_FILE_BYTES) {
        throw unavailable("the PIN file " + path + " must be a regular file of at most " + MAX_PIN_FILE_BYTES
            + " bytes");
      }
      PrivateFiles.checkSecret(path, "PIN file");
      byte[] content = Files.readAllBytes(path);
      try {
        String text = new String(content, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
          throw unavailable("the PIN file " + path + " is empty");
        }
        return text.toCharArray();
      } finally {
        Arrays.fill(content, (byte) 0);
      }
    } catch (IOException e) {
      throw unavailable("cannot read the PIN file " + path + ": " + e.getMessage());
    }
  }

  private static Path checkLibrary(Path library) throws EnvelopeException {
    String text = library.toString();
    // The path goes into the provider's configuration text: no character may end or escape its value.
    if (text.chars().anyMatch(c -> c < 0x20 || c == '"' || c == '\\' || c == '}' || c == '{')) {
      throw unavailable("the PKCS#11 library path contains characters that are not allowed");
    }
    if (!Files.isRegularFile(library)) {
      throw unavailable("there is no PKCS#11 library at " + library);
    }
    try {
      // The module runs inside the server: whoever could replace it could run code there.
      PrivateFiles.checkTrusted(library, "PKCS#11 library");
    } catch (IOException e) {
      throw unavailable("cannot look at the PKCS#11 library " + library + " (" + e.getClass().getSimpleName() + ")");
    }
    return library.toAbsolutePath();
  }

  static EnvelopeException unavailable(String message) {
    return new EnvelopeException(ErrorCode.KEYRING_UNAVAILABLE, message);
  }

  public Path library() {
    return library;
  }

  /** The slot number, if the configuration names one. */
  Long slot() {
    return slot;
  }

  /** The token label, if the configuration names the slot that way. */
  String tokenLabel() {
    return tokenLabel;
  }

  /** A copy of the PIN; the caller zeroes it. */
  char[] pin() {
    return pin.clone();
  }

  public Path home() {
    return home;
  }

  /** The same token and PIN with the metadata in another directory. */
  public Pkcs11Config withHome(Path newHome) {
    return new Pkcs11Config(library, slot, tokenLabel, pin.clone(), Objects.requireNonNull(newHome));
  }

  /** The same token with another PIN (tests check what a wrong one does). */
  public Pkcs11Config withPin(char[] newPin) {
    return new Pkcs11Config(library, slot, tokenLabel, newPin.clone(), home);
  }

  @Override
  public String toString() {
    return "Pkcs11Config[library=" + library + (slot != null ? ", slot=" + slot : ", token=" + tokenLabel)
        + ", home=" + home + "]";
  }
}
