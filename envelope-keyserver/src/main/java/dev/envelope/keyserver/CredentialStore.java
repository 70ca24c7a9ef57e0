package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import dev.envelope.core.internal.ManagedKeyRules;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The key server's access keys, in one JSON file (see {@code docs/FORMAT.md}): owner-only (0600), replaced
 * atomically on every change under an exclusive lock on a sibling {@code .lock} file, so that
 * {@code envelope keyserver credentials ...} can run while the server does. The server re-reads the file when
 * its modification time or size changes, so a revoked key stops working on the next request.
 *
 * <h2>Security guarantees</h2>
 * The file holds secrets in plaintext, and whoever can write it can let any key in. Every use of it (each
 * request's lookup, not only each re-read, and each change) first refuses it with
 * {@link dev.envelope.api.ErrorCode#INSECURE_FILE} unless only its owner, the user the server runs as, can
 * read or change it or its directory ({@link PrivateFiles#checkSecret}): a server whose file was replaced
 * by another user's, or made writable by others, stops authenticating anyone at once.
 */
public final class CredentialStore {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  static final String ID_PREFIX = "ENVK";
  private static final String WHAT = "key server credentials file";

  private final Path file;
  private volatile Snapshot snapshot = new Snapshot(null, List.of());

  private record Snapshot(Object version, List<AccessKey> keys) {}

  private CredentialStore(Path file) {
    this.file = file;
  }

  /** The store in {@code file}; the file need not exist yet (no keys then). */
  public static CredentialStore at(Path file) {
    return new CredentialStore(file.toAbsolutePath());
  }

  public Path file() {
    return file;
  }

  /** The access key with this id, as the file says now. */
  Optional<AccessKey> find(String id) throws IOException, EnvelopeException {
    return current().stream().filter(k -> k.id().equals(id)).findFirst();
  }

  /** Every access key, oldest first. */
  public List<AccessKey> list() throws IOException, EnvelopeException {
    return current();
  }

  /**
   * Adds a fresh access key and returns it: the only time its secret is handed out.
   *
   * @param allowedOperations KMS operation names, or empty for all
   * @param allowedKeys root key ids (or key ARNs, which name one), or empty for all. An alias is refused
   *     ({@link ErrorCode#INVALID_ARGUMENT}): it could be pointed at another key later, and the allow list is
   *     checked against the key a request resolves to, so an alias in it would never match.
   */
  public AccessKey create(String name, Set<String> allowedOperations, Set<String> allowedKeys)
      throws IOException, EnvelopeException {
    Set<String> ids = new TreeSet<>();
    for (String allowed : allowedKeys) {
      ids.add(keyIdOf(allowed));
    }
    AccessKey key = new AccessKey(ID_PREFIX + random(16), secret(), name, Instant.now(), allowedOperations, ids);
    update(keys -> {
      List<AccessKey> more = new ArrayList<>(keys);
      more.add(key);
      return more;
    });
    return key;
  }

  /**
   * The key id an allow-list entry names: a key id (in lower case, as key ids are made and compared), or a key
   * ARN's id; anything else is refused. Whether such a key exists is not known here (the key service is not
   * opened): an id of no key allows nothing.
   */
  private static String keyIdOf(String allowed) throws EnvelopeException {
    String id = (allowed.startsWith("arn:") && allowed.contains(":key/")
        ? allowed.substring(allowed.lastIndexOf(":key/") + ":key/".length()) : allowed)
        .toLowerCase(java.util.Locale.ROOT);
    if (!ManagedKeyRules.isKeyIdShaped(id)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "'" + allowed + "' is not a key id: an access key's"
          + " allowed keys are named by id or key ARN ('envelope keys list' shows them), never by alias, which"
          + " could be pointed at another key later");
    }
    return id;
  }

  /** Removes an access key; false if there was none with that id. */
  public boolean revoke(String id) throws IOException, EnvelopeException {
    boolean[] found = {false};
    update(keys -> {
      List<AccessKey> fewer = new ArrayList<>(keys);
      found[0] = fewer.removeIf(k -> k.id().equals(id));
      return fewer;
    });
    return found[0];
  }

  private List<AccessKey> current() throws IOException, EnvelopeException {
    Object version;
    try {
      // On every lookup, not only when the content changed: a chmod or chown leaves the stamp as it was.
      PrivateFiles.checkSecret(file, WHAT);
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      version = List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
    } catch (NoSuchFileException e) {
      return List.of();
    }
    Snapshot seen = snapshot;
    if (!version.equals(seen.version())) {
      seen = new Snapshot(version, read());
      snapshot = seen;
    }
    return seen.keys();
  }

  private void update(UnaryOperator<List<AccessKey>> change) throws IOException, EnvelopeException {
    PrivateFiles.createDirectories(file.getParent());
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    try (FileChannel lockChannel = PrivateFiles.openForWriting(lockFile); FileLock lock = lockChannel.lock()) {
      List<AccessKey> keys;
      try {
        PrivateFiles.checkSecret(file, WHAT); // else keys someone else put in would be rewritten as ours
        keys = read();
      } catch (NoSuchFileException e) {
        keys = List.of();
      }
      byte[] json = write(change.apply(keys));
      try (AtomicFile out = AtomicFile.create(file, PrivateFiles.fileMode())) {
        out.stream().write(json);
        out.commit();
      }
    }
  }

  private List<AccessKey> read() throws IOException {
    JsonNode root;
    try {
      root = KmsRequest.JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return List.of();
    }
    if (root == null || root.path("format").asInt() != 1 || !root.path("accessKeys").isArray()) {
      throw new IOException("not a key server credentials file (format 1): " + file);
    }
    List<AccessKey> keys = new ArrayList<>();
    for (JsonNode k : root.get("accessKeys")) {
      keys.add(new AccessKey(k.path("accessKeyId").asText(), k.path("secretAccessKey").asText(),
          k.path("name").asText(""), Instant.parse(k.path("createdAt").asText()),
          strings(k.path("allowedOperations")), strings(k.path("allowedKeys"))));
    }
    return List.copyOf(keys);
  }

  private static byte[] write(List<AccessKey> keys) throws IOException {
    ObjectNode root = KmsRequest.JSON.createObjectNode();
    root.put("format", 1);
    ArrayNode array = root.putArray("accessKeys");
    for (AccessKey key : keys) {
      ObjectNode k = array.addObject();
      k.put("accessKeyId", key.id());
      k.put("secretAccessKey", key.secret());
      k.put("name", key.name());
      k.put("createdAt", key.createdAt().toString());
      key.allowedOperations().stream().sorted().forEach(k.putArray("allowedOperations")::add);
      key.allowedKeys().stream().sorted().forEach(k.putArray("allowedKeys")::add);
    }
    return KmsRequest.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  private static Set<String> strings(JsonNode array) {
    Set<String> out = new TreeSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String random(int length) {
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    }
    return out.toString();
  }

  /** 240 random bits as 40 base64 characters, the length of an AWS secret access key. */
  private static String secret() {
    byte[] bytes = new byte[30];
    RANDOM.nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
