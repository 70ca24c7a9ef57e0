package dev.envelope.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * A Java client of Envelope's HTTP API (v1): upload, download (whole, to a file, or a byte range), describe,
 * list and delete files, and manage tokens with an admin token. Thread-safe; build one per server and token
 * and share it.
 *
 * <pre>{@code
 * EnvelopeClient client = EnvelopeClient.builder(URI.create("http://127.0.0.1:8080"))
 *     .token(System.getenv("ENVELOPE_TOKEN")).build();
 * FileInfo file = client.upload(Path.of("report.pdf"), "report.pdf", "application/pdf");
 * client.download(file.id(), Path.of("copy.pdf"));
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Transfers stream: neither an upload nor a download holds the file in memory.
 *   <li>A download that the server aborts (it does when a stored file fails authentication) or that the
 *       connection cuts short fails with {@link ErrorCode#IO}: it never returns as if complete.
 *       {@link #download(String, Path)} then leaves no file behind.
 *   <li>Every failure is an {@link EnvelopeClientException} with the server's stable {@link ErrorCode}.
 *   <li>The token is sent only in the {@code Authorization} header: it is in no message and no {@code toString}.
 * </ul>
 */
public final class EnvelopeClient {
  private final Transport transport;

  EnvelopeClient(Transport transport) {
    this.transport = transport;
  }

  /** Starts building a client of the server at {@code server}, e.g. {@code http://127.0.0.1:8080}. */
  public static EnvelopeClientBuilder builder(URI server) {
    return new EnvelopeClientBuilder(server);
  }

  /** The server this client talks to. */
  public URI server() {
    return transport.server();
  }

  /** Uploads a file; the request carries its length. {@code contentType} null means octet-stream. */
  public FileInfo upload(Path file, String name, String contentType) throws EnvelopeClientException {
    return upload(file, name, contentType, TransferListener.NONE);
  }

  /** Uploads a file, telling {@code listener} how far it got. */
  public FileInfo upload(Path file, String name, String contentType, TransferListener listener)
      throws EnvelopeClientException {
    HttpRequest.BodyPublisher body;
    try {
      body = BodyPublishers.ofFile(file);
    } catch (IOException e) {
      throw new EnvelopeClientException(ErrorCode.IO, 0, "cannot read " + file + " (" + e.getMessage() + ")", e);
    }
    return upload(CountingPublisher.of(body, listener), name, contentType, null);
  }

  /** Uploads everything {@code body} holds, streamed (chunked); the caller closes {@code body}. */
  public FileInfo upload(InputStream body, String name, String contentType) throws EnvelopeClientException {
    return upload(body, name, contentType, TransferListener.NONE);
  }

  /** Uploads everything {@code body} holds, telling {@code listener} how far it got. */
  public FileInfo upload(InputStream body, String name, String contentType, TransferListener listener)
      throws EnvelopeClientException {
    SourceGuard guarded = new SourceGuard(body);
    return upload(CountingPublisher.of(BodyPublishers.ofInputStream(() -> guarded), listener), name,
        contentType, guarded);
  }

  private FileInfo upload(HttpRequest.BodyPublisher body, String name, String contentType, SourceGuard source)
      throws EnvelopeClientException {
    Objects.requireNonNull(name, "name");
    String type = contentType == null || contentType.isBlank() ? "application/octet-stream" : contentType;
    HttpRequest request = transport.request("/v1/files?name=" + Transport.encode(name), false)
        .header("Content-Type", type)
        .POST(body)
        .build();
    try {
      return Json.file(transport.json(request, 201));
    } catch (EnvelopeClientException e) {
      if (source != null && source.failure() != null) {
        throw new EnvelopeClientException(ErrorCode.IO, 0,
            "reading the upload failed: " + source.failure().getMessage(), source.failure());
      }
      throw e;
    }
  }

  /** Streams a file's plaintext into {@code out}; returns its length. {@code out} is neither flushed nor closed. */
  public long download(String id, OutputStream out) throws EnvelopeClientException {
    return download(id, out, TransferListener.NONE);
  }

  /** Streams a file's plaintext into {@code out}, telling {@code listener} how far it got. */
  public long download(String id, OutputStream out, TransferListener listener) throws EnvelopeClientException {
    HttpRequest request = transport.request("/v1/files/" + Transport.id(id, "file"), true).GET().build();
    HttpResponse<InputStream> response = transport.send(request, BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      Transport.check(response, 200);
      long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      return Downloads.copy(id, body, out, length, listener);
    } catch (IOException e) {
      throw Downloads.brokenOff(id, e);
    }
  }

  /**
   * Downloads a file into {@code target}, atomically: it appears (owner-only, 0600) only once every byte
   * arrived and is on disk; a failed download leaves no file, and an existing {@code target} untouched.
   */
  public long download(String id, Path target) throws EnvelopeClientException {
    if (java.nio.file.Files.isDirectory(target)) {
      throw new EnvelopeClientException(ErrorCode.IO, 0, "cannot write " + target + ": it is a directory");
    }
    try (AtomicFile file = AtomicFile.create(target, AtomicFile.privateFile())) {
      long length = download(id, file.stream());
      file.commit();
      return length;
    } catch (NoSuchFileException e) {
      throw new EnvelopeClientException(ErrorCode.IO, 0, "cannot write " + target + ": no such directory", e);
    } catch (IOException e) {
      throw new EnvelopeClientException(ErrorCode.IO, 0, "cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads {@code length} bytes of a file's plaintext from {@code offset} (fewer when the file ends first). The
   * server decrypts only the segments the range touches.
   *
   * @throws EnvelopeClientException {@link ErrorCode#RANGE_NOT_SATISFIABLE} if {@code offset} is past the end
   */
  public byte[] downloadRange(String id, long offset, int length) throws EnvelopeClientException {
    if (offset < 0 || length < 1) {
      throw new IllegalArgumentException("offset must be >= 0 and length >= 1");
    }
    long last = offset + length - 1;
    HttpRequest request = transport.request("/v1/files/" + Transport.id(id, "file"), true)
        .header("Range", "bytes=" + offset + "-" + last).GET().build();
    HttpResponse<InputStream> response = transport.send(request, BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      Transport.check(response, 206);
      return Downloads.range(id, response, body, offset, last);
    } catch (IOException e) {
      throw Downloads.brokenOff(id, e);
    }
  }

  /** A file's metadata. */
  public FileInfo describe(String id) throws EnvelopeClientException {
    HttpRequest request = transport.request("/v1/files/" + Transport.id(id, "file") + "/metadata", true)
        .GET().build();
    return Json.file(transport.json(request, 200));
  }

  /**
   * Renames a file and sets its content type (either may be null: kept); needs a write token. The content and id
   * stay. A file the server stored under a shared data key cannot be renamed ({@code conflict}).
   */
  public FileInfo rename(String id, String name, String contentType) throws EnvelopeClientException {
    if (name == null && contentType == null) {
      throw new IllegalArgumentException("give a name, a content type or both");
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    if (name != null) {
      body.put("name", name);
    }
    if (contentType != null) {
      body.put("contentType", contentType);
    }
    HttpRequest request = transport.request("/v1/files/" + Transport.id(id, "file"), true)
        .header("Content-Type", "application/json")
        .method("PATCH", BodyPublishers.ofByteArray(Json.write(body))).build();
    return Json.file(transport.json(request, 200));
  }

  /** How many files the caller's tenant has and their plaintext bytes. */
  public Usage usage() throws EnvelopeClientException {
    return Json.usage(transport.json(transport.request("/v1/usage", true).GET().build(), 200));
  }

  /**
   * One page of the caller's files, newest first.
   *
   * @param limit at most this many files (the server caps it)
   * @param cursor null for the first page, else the previous page's {@link FilePage#nextCursor()}
   */
  public FilePage list(int limit, String cursor) throws EnvelopeClientException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1");
    }
    String query = "?limit=" + limit + (cursor == null ? "" : "&cursor=" + Transport.encode(cursor));
    return Json.page(transport.json(transport.request("/v1/files" + query, true).GET().build(), 200));
  }

  /**
   * All the caller's files, newest first, fetched a page of {@code pageSize} at a time as the iteration
   * goes. A failure while fetching a later page surfaces as {@link UncheckedEnvelopeClientException}.
   */
  public Iterator<FileInfo> listAll(int pageSize) {
    return new FileIterator(this, pageSize);
  }

  /** Deletes a file: from this moment on, nobody can read it. */
  public void delete(String id) throws EnvelopeClientException {
    HttpRequest request = transport.request("/v1/files/" + Transport.id(id, "file"), true).DELETE().build();
    transport.discard(request, 204);
  }

  /**
   * Shares a file (needs a write token): a link that downloads it without a token. The answer is the only time its
   * URL is available.
   *
   * @param expiresIn how long it lives, such as {@code 90m}, {@code 12h} or {@code 30d} (null: the server's default,
   *     a day); never longer than this client's token
   * @param maxDownloads how many downloads it allows (null: no bound)
   */
  public NewLink createLink(String fileId, String expiresIn, Long maxDownloads) throws EnvelopeClientException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    if (expiresIn != null) {
      body.put("expiresIn", expiresIn);
    }
    if (maxDownloads != null) {
      body.put("maxDownloads", maxDownloads);
    }
    HttpRequest request = transport.request("/v1/files/" + Transport.id(fileId, "file") + "/links", true)
        .header("Content-Type", "application/json").POST(BodyPublishers.ofByteArray(Json.write(body))).build();
    return Json.newLink(transport.json(request, 201));
  }

  /** A file's links that still open it, oldest first (needs a read token). */
  public List<LinkInfo> listLinks(String fileId) throws EnvelopeClientException {
    return Json.links(transport.json(transport.request("/v1/files/" + Transport.id(fileId, "file") + "/links", true)
        .GET().build(), 200));
  }

  /** Revokes a link of a file (needs a write token): it opens nothing from now on. */
  public void revokeLink(String fileId, String linkId) throws EnvelopeClientException {
    transport.discard(transport.request("/v1/files/" + Transport.id(fileId, "file") + "/links/"
        + Transport.id(linkId, "link"), true).DELETE().build(), 204);
  }

  /** Makes a token (needs an admin token); the answer is the only time its text is available. */
  public NewToken createToken(String tenant, String role, String name) throws EnvelopeClientException {
    ObjectNode body = Json.MAPPER.createObjectNode().put("tenant", tenant).put("role", role).put("name", name);
    HttpRequest request = transport.request("/v1/tokens", true)
        .header("Content-Type", "application/json")
        .POST(BodyPublishers.ofByteArray(Json.write(body))).build();
    return Json.newToken(transport.json(request, 201));
  }

  /** The tokens of {@code tenant}, or of every tenant when it is null (needs an admin token). */
  public List<TokenInfo> listTokens(String tenant) throws EnvelopeClientException {
    String query = tenant == null ? "" : "?tenant=" + Transport.encode(tenant);
    return Json.tokens(transport.json(transport.request("/v1/tokens" + query, true).GET().build(), 200));
  }

  /** Revokes a token (needs an admin token): it opens nothing from now on. */
  public void revokeToken(String id) throws EnvelopeClientException {
    transport.discard(transport.request("/v1/tokens/" + Transport.id(id, "token"), true).DELETE().build(), 204);
  }

  /** Every tenant with a root key of its own or with files (needs an operator token). */
  public List<TenantInfo> listTenants() throws EnvelopeClientException {
    return Json.tenants(transport.json(transport.request("/v1/tenants", true).GET().build(), 200));
  }

  /** One tenant (needs an operator token). */
  public TenantInfo describeTenant(String tenant) throws EnvelopeClientException {
    return Json.tenant(transport.json(transport.request("/v1/tenants/" + Transport.tenant(tenant), true).GET()
        .build(), 200));
  }

  /**
   * Gives a tenant a root key of its own (needs an operator token): a new one when {@code rootKey} is null, else
   * the existing key it names (id, ARN or alias).
   */
  public TenantInfo createTenant(String tenant, String rootKey) throws EnvelopeClientException {
    ObjectNode body = Json.MAPPER.createObjectNode().put("name", Transport.tenant(tenant));
    if (rootKey != null) {
      body.put("rootKey", rootKey);
    }
    return Json.tenant(transport.json(jsonPost("/v1/tenants", body), 201));
  }

  /** Wraps a tenant's new files under another existing root key (needs an operator token). */
  public TenantInfo setTenantRootKey(String tenant, String rootKey) throws EnvelopeClientException {
    ObjectNode body = Json.MAPPER.createObjectNode().put("rootKey", rootKey);
    HttpRequest request = transport.request("/v1/tenants/" + Transport.tenant(tenant) + "/root-key", true)
        .header("Content-Type", "application/json").PUT(BodyPublishers.ofByteArray(Json.write(body))).build();
    return Json.tenant(transport.json(request, 200));
  }

  /**
   * Crypto-shreds a tenant (needs an operator token): its files answer 410 from then on, its tokens are revoked,
   * its root key is disabled and scheduled for deletion, or destroyed at once when {@code now}.
   */
  public void shredTenant(String tenant, boolean now) throws EnvelopeClientException {
    ObjectNode body = Json.MAPPER.createObjectNode().put("now", now);
    transport.json(jsonPost("/v1/tenants/" + Transport.tenant(tenant) + "/shred", body), 200);
  }

  /** Removes the rows and ciphertext of a shredded tenant's files (needs an operator token); returns how many. */
  public long purgeTenant(String tenant) throws EnvelopeClientException {
    JsonNode answer = transport.json(jsonPost("/v1/tenants/" + Transport.tenant(tenant) + "/purge",
        Json.MAPPER.createObjectNode()), 200);
    JsonNode removed = answer.get("filesRemoved");
    if (removed == null || !removed.canConvertToLong()) {
      throw Json.unexpected("it has no filesRemoved count");
    }
    return removed.asLong();
  }

  private HttpRequest jsonPost(String path, ObjectNode body) throws EnvelopeClientException {
    return transport.request(path, true).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofByteArray(Json.write(body))).build();
  }

  /** Throws {@link ErrorCode#UNAVAILABLE} unless the server says it is ready ({@code /readyz}, no token). */
  public void checkReady() throws EnvelopeClientException {
    transport.discard(transport.anonymous("/readyz").GET().build(), 200);
  }

  /** Names the server only. */
  @Override
  public String toString() {
    return "EnvelopeClient[" + transport.server() + "]";
  }
}
