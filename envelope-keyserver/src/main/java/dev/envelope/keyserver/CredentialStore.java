package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.core.AtomicFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
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
 */
public final class CredentialStore {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  static final String ID_PREFIX = "ENVK";

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
  Optional<AccessKey> find(String id) throws IOException {
    return current().stream().filter(k -> k.id().equals(id)).findFirst();
  }

  /** Every access key, oldest first. */
  public List<AccessKey> list() throws IOException {
    return current();
  }

  /**
   * Adds a fresh access key and returns it: the only time its secret is handed out.
   *
   * @param allowedOperations KMS operation names, or empty for all
   * @param allowedKeys canonical root key ids, or empty for all
   */
  public AccessKey create(String name, Set<String> allowedOperations, Set<String> allowedKeys)
      throws IOException {
    AccessKey key = new AccessKey(ID_PREFIX + random(16), secret(), name, Instant.now(), allowedOperations,
        allowedKeys);
    update(keys -> {
      List<AccessKey> more = new ArrayList<>(keys);
      more.add(key);
      return more;
    });
    return key;
  }

  /** Removes an access key; false if there was none with that id. */
  public boolean revoke(String id) throws IOException {
    boolean[] found = {false};
    update(keys -> {
      List<AccessKey> fewer = new ArrayList<>(keys);
      found[0] = fewer.removeIf(k -> k.id().equals(id));
      return fewer;
    });
    return found[0];
  }

  private List<AccessKey> current() throws IOException {
    Object version;
    try {
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

  private void update(UnaryOperator<List<AccessKey>> change) throws IOException {
    Files.createDirectories(file.getParent());
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    try (FileChannel lockChannel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE,
            StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(AtomicFile.privateFile()));
        FileLock lock = lockChannel.lock()) {
      List<AccessKey> keys = Files.exists(file) ? read() : List.of();
      byte[] json = write(change.apply(keys));
      try (AtomicFile out = AtomicFile.create(file, AtomicFile.privateFile())) {
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
