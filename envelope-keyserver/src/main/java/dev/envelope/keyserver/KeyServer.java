package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ManagedKeyService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key server: the AWS KMS JSON 1.1 protocol ({@code POST /}, {@code X-Amz-Target: TrentService.<Operation>})
 * over a {@link ManagedKeyService}. One request goes: body read (bounded) → SigV4 verified → operation looked
 * up and allowed → JSON parsed → operation → response; every request, refused or not, leaves one audit line.
 *
 * <h2>Security guarantees</h2>
 * Errors are {@code {"__type": ..., "message": ...}} bodies with no stack trace, file path or key material;
 * plaintexts are zeroed once written; a body larger than the limit is refused without being read.
 */
public final class KeyServer implements AutoCloseable {
  /** The operations served, in the order of the AWS KMS API reference. */
  public static final Set<String> OPERATIONS = Collections.unmodifiableSet(new java.util.TreeSet<>(List.of(
      "CreateKey", "DescribeKey", "ListKeys", "CreateAlias", "ListAliases", "DeleteAlias", "EnableKey",
      "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion", "EnableKeyRotation", "DisableKeyRotation",
      "GetKeyRotationStatus", "RotateKeyOnDemand", "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
      "GenerateDataKeyWithoutPlaintext", "GenerateRandom")));
  private static final String TARGET_PREFIX = "TrentService.";
  private static final long MAX_DISCARDED_BYTES = 1 << 20;
  private static final String CONTENT_TYPE = "application/x-amz-json-1.1";
  private static final Pattern CLAIMED_ACCESS_KEY = Pattern.compile("Credential=([A-Za-z0-9]{1,128})/");
  private static final Logger LOG = LoggerFactory.getLogger(KeyServer.class);

  private final KeyServerSettings settings;
  private final Map<String, Operation> operations = new HashMap<>();
  private final KeyIds ids;
  private final SigV4Verifier verifier;
  private final AuditLog audit;
  private final Clock clock;
  private Javalin app;

  private KeyServer(KeyServerSettings settings, ManagedKeyService keys, CredentialStore credentials,
      AuditLog audit, Clock clock) {
    this.settings = settings;
    this.ids = new KeyIds(settings.region(), settings.account());
    this.verifier = new SigV4Verifier(settings.region(), credentials::find, clock);
    this.audit = audit;
    this.clock = clock;
    new KeyOperations(keys, ids).registerInto(operations);
    new CryptoOperations(keys, ids).registerInto(operations);
    if (!operations.keySet().equals(OPERATIONS)) {
      throw new IllegalStateException("operations out of sync with OPERATIONS");
    }
  }

  /**
   * Starts a key server on the settings' address; {@link #close()} stops it.
   *
   * @throws EnvelopeException {@link dev.envelope.core.ErrorCode#INSECURE_FILE} if someone else could change
   *     the audit log or the credentials file (or read the latter), or their directories
   */
  public static KeyServer start(KeyServerSettings settings, ManagedKeyService keys)
      throws IOException, EnvelopeException {
    return start(settings, keys, Clock.systemUTC());
  }

  /** As {@link #start(KeyServerSettings, ManagedKeyService)}, with the clock signatures are checked against. */
  static KeyServer start(KeyServerSettings settings, ManagedKeyService keys, Clock clock)
      throws IOException, EnvelopeException {
    CredentialStore credentials = CredentialStore.at(settings.credentialsFile());
    credentials.list(); // an unsafe or unreadable file fails the start, not every request after it
    KeyServer server = new KeyServer(settings, keys, credentials, AuditLog.open(settings.auditLogFile()), clock);
    server.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.routes.post("/", server::handle);
      cfg.routes.error(404, ctx -> server.answerOutsideApi(ctx));
      cfg.routes.error(405, ctx -> server.answerOutsideApi(ctx));
      cfg.routes.exception(Exception.class, (e, ctx) -> server.answerBug(e, ctx));
      settings.tls().ifPresent(tls -> Tls.configure(cfg, settings, tls));
    });
    try {
      server.app.start(settings.host(), settings.port());
    } catch (RuntimeException e) {
      server.audit.close();
      throw new IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    return server;
  }

  public int port() {
    return app.port();
  }

  /** The URL clients set as their endpoint ({@code endpointOverride}, {@code --endpoint-url}). */
  public URI endpoint() {
    String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
    return URI.create((settings.tls().isPresent() ? "https" : "http") + "://" + host + ":" + port());
  }

  @Override
  public void close() throws IOException {
    app.stop();
    audit.close();
  }

  private void handle(Context ctx) throws IOException {
    HttpServletRequest req = ctx.req();
    AuditRecord record = new AuditRecord(clock.instant(), UUID.randomUUID().toString(), req.getRemoteAddr());
    Call call = null;
    ObjectNode response;
    KmsError error = null;
    try {
      String authorization = req.getHeader("Authorization");
      if (authorization != null) {
        Matcher claimed = CLAIMED_ACCESS_KEY.matcher(authorization);
        record.accessKeyId(claimed.find() ? claimed.group(1) : null);
      }
      String target = req.getHeader("X-Amz-Target");
      String name = target != null && target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length())
          : target;
      record.operation(name); // as claimed until the signature is checked; the outcome says whether it was
      byte[] body;
      try {
        body = readBody(req);
      } catch (IOException e) {
        // The client stopped sending (or went away): still a request, so it is refused on the record.
        throw KmsError.VALIDATION.exception("The request body ended before its declared length");
      }
      AccessKey caller = authenticate(signedRequest(req, body), record);
      Operation operation = operations.get(name);
      if (!target.startsWith(TARGET_PREFIX) || operation == null) {
        throw KmsError.UNKNOWN_OPERATION.exception("Unknown operation " + target);
      }
      caller.checkOperation(name);
      call = new Call(name, KmsRequest.parse(body), caller, record, ids);
      try {
        response = operation.apply(call);
      } catch (EnvelopeException e) {
        KmsException kms = EnvelopeErrors.toKms(e);
        if (kms.error().status() >= 500) {
          LOG.error("request {}: the key service failed: {} [{}]", record.requestId(), e.getMessage(),
              e.code().id());
        }
        throw kms;
      }
    } catch (KmsException e) {
      error = e.error();
      response = errorBody(error, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("request " + record.requestId() + " failed", e);
      error = KmsError.INTERNAL;
      response = errorBody(error, "Internal error; see the key server's log");
    }
    // The audit line is written before the answer leaves: nothing is released that is not on record.
    if (error != null) {
      record.error(error);
      ctx.res().setHeader("x-amzn-ErrorType", error.type());
    }
    audit.write(record);
    try {
      respond(ctx, error == null ? 200 : error.status(), response, record.requestId());
    } finally {
      if (call != null) {
        call.wipeSecrets();
      }
    }
  }

  /** The caller; x-amz-target is among the headers the signature covers. */
  private AccessKey authenticate(SignedRequest request, AuditRecord record) {
    try {
      return verifier.verify(request);
    } catch (IOException | EnvelopeException e) {
      // The access keys cannot be read or trusted (insecure-file): nobody is let in, and the operator is told
      // why and how to fix it; the client learns only that the server is at fault.
      LOG.error("request {}: cannot check the signature against the access keys: {}", record.requestId(),
          e.getMessage());
      throw KmsError.INTERNAL.exception("The key server cannot check credentials now; see the key server's log");
    }
  }

  /**
   * Reads the whole body, refusing one over the limit. A refused body is read on and thrown away (never kept)
   * up to {@value #MAX_DISCARDED_BYTES} bytes, so that the client, still sending, gets the error instead of a
   * reset connection; beyond that the connection is dropped.
   */
  private byte[] readBody(HttpServletRequest req) throws IOException {
    int max = settings.maxBodyBytes();
    try (InputStream in = req.getInputStream()) {
      if (req.getContentLengthLong() > max) {
        discard(in);
        throw tooLarge(max);
      }
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        discard(in);
        throw tooLarge(max);
      }
      return body;
    }
  }

  private static void discard(InputStream in) throws IOException {
    byte[] sink = new byte[8192];
    long total = 0;
    for (int n; total < MAX_DISCARDED_BYTES && (n = in.read(sink)) >= 0; ) {
      total += n;
    }
  }

  private static KmsException tooLarge(int max) {
    return KmsError.VALIDATION.exception("The request body is larger than " + max + " bytes");
  }

  private static SignedRequest signedRequest(HttpServletRequest req, byte[] body) {
    Map<String, List<String>> headers = new TreeMap<>();
    for (String name : Collections.list(req.getHeaderNames())) {
      headers.computeIfAbsent(name.toLowerCase(java.util.Locale.ROOT), n -> new ArrayList<>())
          .addAll(Collections.list(req.getHeaders(name)));
    }
    String query = req.getQueryString();
    return new SignedRequest(req.getMethod(), req.getRequestURI(), query == null ? "" : query, headers, body);
  }

  private void respond(Context ctx, int status, ObjectNode body, String requestId) throws IOException {
    byte[] bytes = KmsRequest.JSON.writeValueAsBytes(body);
    try {
      HttpServletResponse res = ctx.res();
      res.setStatus(status);
      res.setContentType(CONTENT_TYPE);
      res.setHeader("x-amzn-RequestId", requestId);
      res.setContentLength(bytes.length);
      res.getOutputStream().write(bytes);
      res.flushBuffer();
    } finally {
      Arrays.fill(bytes, (byte) 0); // it may hold a plaintext in base64
    }
  }

  private void respondError(Context ctx, KmsError error, String message, String requestId) throws IOException {
    respondError(ctx, error.status(), error, message, requestId);
  }

  private void respondError(Context ctx, int status, KmsError error, String message, String requestId)
      throws IOException {
    ctx.res().setHeader("x-amzn-ErrorType", error.type());
    respond(ctx, status, errorBody(error, message), requestId);
  }

  private static ObjectNode errorBody(KmsError error, String message) {
    return KmsRequest.JSON.createObjectNode().put("__type", error.type()).put("message", message);
  }

  /** Any other path or method: Javalin's 404 or 405, with a KMS error body rather than its own page. */
  private void answerOutsideApi(Context ctx) throws IOException {
    if (!ctx.res().isCommitted()) {
      respondError(ctx, ctx.statusCode(), KmsError.UNKNOWN_OPERATION, "The AWS KMS API is served by POST / only",
          UUID.randomUUID().toString());
    }
  }

  private void answerBug(Exception e, Context ctx) {
    LOG.error("unexpected failure outside a request", e);
    try {
      if (!ctx.res().isCommitted()) {
        respondError(ctx, KmsError.INTERNAL, "Internal error; see the key server's log",
            UUID.randomUUID().toString());
      }
    } catch (IOException ignored) {
      // The client is gone.
    }
  }
}
