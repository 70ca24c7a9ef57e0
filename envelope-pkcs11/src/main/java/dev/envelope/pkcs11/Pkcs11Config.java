package dev.envelope.pkcs11;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Where the PKCS#11 token is and how to log in to it: the module library, the slot (by number or by token
 * label), the user PIN, and the directory that holds the key metadata file.
 *
 * <p>The PIN comes from {@value #ENV_PIN} or from the file named by {@value #ENV_PIN_FILE}, never from a
 * command-line flag (which {@code ps} shows to every user); a PIN file others may read or change is refused
 * ({@link PrivateFiles#checkSecret}). {@link #toString()} never shows it.
 */
public final class Pkcs11Config {
  public static final String ENV_LIBRARY = "ENVELOPE_PKCS11_LIBRARY";
  public static final String ENV_SLOT = "ENVELOPE_PKCS11_SLOT";
  public static final String ENV_TOKEN_LABEL = "ENVELOPE_PKCS11_TOKEN_LABEL";
  public static final String ENV_PIN = "ENVELOPE_PKCS11_PIN";
  public static final String ENV_PIN_FILE = "ENVELOPE_PKCS11_PIN_FILE";
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

  /** A configuration naming the slot by number. */
  public static Pkcs11Config ofSlot(Path library, long slot, char[] pin, Path home) throws EnvelopeException {
    return new Pkcs11Config(checkLibrary(library), slot, null, pin.clone(), home);
  }

  /** A configuration naming the slot by the label of the token in it. */
  public static Pkcs11Config ofTokenLabel(Path library, String tokenLabel, char[] pin, Path home)
      throws EnvelopeException {
    if (tokenLabel.isEmpty() || tokenLabel.length() > 32) {
      throw unavailable("a PKCS#11 token label is 1 to 32 characters");
    }
    return new Pkcs11Config(checkLibrary(library), null, tokenLabel, pin.clone(), home);
  }

  /**
   * Reads the configuration from {@value #ENV_LIBRARY}, {@value #ENV_SLOT} or {@value #ENV_TOKEN_LABEL}, and
   * {@value #ENV_PIN} or {@value #ENV_PIN_FILE}; the metadata lives in {@code home}.
   */
  public static Pkcs11Config fromEnvironment(Map<String, String> env, Path home) throws EnvelopeException {
    String library = env.get(ENV_LIBRARY);
    if (library == null || library.isBlank()) {
      throw unavailable(ENV_LIBRARY + " must name the PKCS#11 module (for SoftHSM2:"
          + " /usr/lib/softhsm/libsofthsm2.so)");
    }
    String slot = env.get(ENV_SLOT);
    String label = env.get(ENV_TOKEN_LABEL);
    if ((slot == null) == (label == null)) {
      throw unavailable("set exactly one of " + ENV_SLOT + " and " + ENV_TOKEN_LABEL);
    }
    char[] pin = pin(env);
    try {
      if (slot != null) {
        long number;
        try {
          number = Long.parseLong(slot.strip());
        } catch (NumberFormatException e) {
          throw unavailable(ENV_SLOT + " must be a slot number, not '" + slot + "'");
        }
        if (number < 0) {
          throw unavailable(ENV_SLOT + " must not be negative");
        }
        return ofSlot(Path.of(library), number, pin, home);
      }
      return ofTokenLabel(Path.of(library), label, pin, home);
    } finally {
      Arrays.fill(pin, '\0');
    }
  }

  private static char[] pin(Map<String, String> env) throws EnvelopeException {
    String inline = env.get(ENV_PIN);
    String file = env.get(ENV_PIN_FILE);
    if (inline != null && file != null) {
      throw unavailable("both " + ENV_PIN + " and " + ENV_PIN_FILE + " are set; set only one");
    }
    if (inline != null) {
      if (inline.isEmpty()) {
        throw unavailable(ENV_PIN + " is set but empty");
      }
      return inline.toCharArray();
    }
    if (file == null || file.isBlank()) {
      throw unavailable("no PIN for the PKCS#11 token: set " + ENV_PIN + " or " + ENV_PIN_FILE);
    }
    Path path = Path.of(file);
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
      throw unavailable("there is no PKCS#11 library at " + library + " (" + ENV_LIBRARY + ")");
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
