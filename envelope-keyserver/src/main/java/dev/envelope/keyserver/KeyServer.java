package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.http.AuthenticationFailures;
import dev.envelope.http.BodyPrefetch;
import dev.envelope.http.ErrorFormat;
import dev.envelope.http.HttpGuards;
import dev.envelope.http.Refusal;
import dev.envelope.http.sigv4.Presented;
import dev.envelope.http.sigv4.SigV4Verifier;
import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key server: the AWS KMS JSON 1.1 protocol ({@code POST /}, {@code X-Amz-Target: TrentService.<Operation>})
 * over a {@link ManagedKeyService}. One request goes: the headers' signature claim checked (an
 * {@code Authorization} that parses, a known access key, this region, a date within 5 minutes) → body read
 * (bounded) → SigV4 verified over it → operation looked up and allowed → JSON parsed → operation → response;
 * every request, refused or not, leaves one audit line, Jetty's own refusals and the guards' included.
 *
 * <h2>Security guarantees</h2>
 * Errors are {@code {"__type": ..., "message": ...}} bodies with no stack trace, file path or key material;
 * plaintexts are zeroed once written; a body larger than the limit is refused without being read. A client
 * whose headers fail the signature claim is refused before the server waits for its body, and never holds a
 * thread; failed authentications are throttled per address ({@link AuthenticationFailures}). The listener keeps
 * the bounds of {@link KeyServerSettings#limits()} ({@link HttpGuards}).
 */
public final class KeyServer implements AutoCloseable {
  /** The operations served, in the order of the AWS KMS API reference. */
  public static final Set<String> OPERATIONS = Collections.unmodifiableSet(new java.util.TreeSet<>(List.of(
      "CreateKey", "DescribeKey", "ListKeys", "CreateAlias", "ListAliases", "DeleteAlias", "EnableKey",
      "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion", "EnableKeyRotation", "DisableKeyRotation",
      "GetKeyRotationStatus", "RotateKeyOnDemand", "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
      "GenerateDataKeyWithoutPlaintext", "GenerateRandom")));
  private static final String TARGET_PREFIX = "TrentService.";
  private static final String CONTENT_TYPE = "application/x-amz-json-1.1";
  private static final Pattern CLAIMED_ACCESS_KEY = Pattern.compile("Credential=([A-Za-z0-9]{1,128})/");
  private static final Logger LOG = LoggerFactory.getLogger(KeyServer.class);
  /** A request attribute: this request already has its audit line. */
  private static final String AUDITED = "dev.envelope.keyserver.audited";
  /** The errors that mean "who are you?": each counts against the client's address. */
  private static final Set<KmsError> AUTHENTICATION_ERRORS = EnumSet.of(KmsError.MISSING_AUTHENTICATION_TOKEN,
      KmsError.INCOMPLETE_SIGNATURE, KmsError.UNRECOGNIZED_CLIENT, KmsError.INVALID_SIGNATURE);

  private final KeyServerSettings settings;
  private final Map<String, Operation> operations = new HashMap<>();
  private final KeyIds ids;
  private final KmsSignatures signatures;
  private final AuditLog audit;
  private final Clock clock;
  private final ObjectMapper requestReader;
  private final AuthenticationFailures failures;
  private Javalin app;
  private HttpGuards.Listener listener;

  private KeyServer(KeyServerSettings settings, ManagedKeyService keys, CredentialStore credentials,
      AuditLog audit, Clock clock) {
    this.settings = settings;
    this.ids = new KeyIds(settings.region(), settings.account());
    this.signatures = new KmsSignatures(settings.region(), credentials::find, clock);
    this.audit = audit;
    this.clock = clock;
    this.requestReader = KmsRequest.reader(settings.maxJsonDepth());
    this.failures = new AuthenticationFailures(settings.limits().authFailuresPerMinute());
    new KeyOperations(keys, ids).registerInto(operations);
    new CryptoOperations(keys, ids).registerInto(operations);
    if (!operations.keySet().equals(OPERATIONS)) {
      throw new IllegalStateException("operations out of sync with OPERATIONS");
    }
  }

  /**
   * Starts a key server on the settings' address; {@link #close()} stops it.
   *
   * @throws EnvelopeException {@link dev.envelope.api.ErrorCode#INSECURE_FILE} if someone else could change
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
      server.listener = HttpGuards.install(cfg, new HttpGuards.Listen("envelope-keyserver", settings.host(),
          settings.port(), 0, settings.tls().map(Tls::context), Optional.of(new BodyPrefetch(
              settings.maxBodyBytes(), server::worthWaitingFor, server::abandoned))),
          settings.limits(), server::refusal);
      cfg.routes.post("/", server::handle);
      cfg.routes.error(404, ctx -> server.answerOutsideApi(ctx));
      cfg.routes.error(405, ctx -> server.answerOutsideApi(ctx));
      cfg.routes.exception(Exception.class, (e, ctx) -> server.answerBug(e, ctx));
    });
    try {
      server.app.start();
    } catch (RuntimeException e) {
      server.audit.close();
      throw new IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    return server;
  }

  public int port() {
    return listener.port();
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
      Map<String, List<String>> headers = headers(req);
      claim(record, headers);
      String target = req.getHeader("X-Amz-Target");
      String name = record.operation();
      refuseIfThrottled(ctx, req.getRemoteAddr());
      // Everything the headers alone can prove is checked before a byte of the body is waited for.
      String query = req.getQueryString() == null ? "" : req.getQueryString();
      Presented<AccessKey> presented = authenticating(req, record,
          () -> signatures.precheck(req.getMethod(), req.getRequestURI(), query, headers));
      byte[] body;
      try {
        body = readBody(req);
      } catch (KmsException e) {
        throw e; // too large: said as such
      } catch (IOException | RuntimeException e) {
        // The client stopped sending, went away, or sent too slowly: still a request, refused on the record.
        throw KmsError.VALIDATION.exception("The request body ended before its declared length");
      }
      AccessKey caller = authenticating(req, record,
          () -> signatures.verify(presented, body));
      record.authenticated();
      Operation operation = operations.get(name);
      if (!target.startsWith(TARGET_PREFIX) || operation == null) {
        throw KmsError.UNKNOWN_OPERATION.exception("Unknown operation " + target);
      }
      caller.checkOperation(name);
      call = new Call(name, KmsRequest.parse(body, requestReader), caller, record, ids);
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

  /** Records what the request claims (its access key and operation) until the signature says whether it may. */
  private static void claim(AuditRecord record, Map<String, List<String>> headers) {
    SigV4Verifier.header(headers, "authorization").ifPresent(authorization -> {
      Matcher claimed = CLAIMED_ACCESS_KEY.matcher(authorization);
      record.accessKeyId(claimed.find() ? claimed.group(1) : null);
    });
    String target = SigV4Verifier.header(headers, "x-amz-target").orElse(null);
    record.operation(target != null && target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length())
        : target);
  }

  private void refuseIfThrottled(Context ctx, String address) {
    Optional<Duration> wait = failures.throttled(address);
    if (wait.isPresent()) {
      ctx.res().setHeader("Retry-After", Long.toString(Math.max(1, (wait.get().toMillis() + 999) / 1000)));
      throw KmsError.THROTTLING.exception("Too many failed authentications from this address; retry after the"
          + " seconds in Retry-After");
    }
  }

  /**
   * A step of authentication (x-amz-target is among the headers the signature covers). Its failure counts
   * against the client's address. When the access keys cannot be read or trusted (insecure-file), nobody is let
   * in, and the operator is told why and how to fix it; the client learns only that the server is at fault.
   */
  private <T> T authenticating(HttpServletRequest req, AuditRecord record, Authentication<T> step) {
    try {
      return step.run();
    } catch (KmsException e) {
      if (AUTHENTICATION_ERRORS.contains(e.error())) {
        failures.failed(req.getRemoteAddr(), e.error().type());
      }
      throw e;
    } catch (IOException | EnvelopeException e) {
      LOG.error("request {}: cannot check the signature against the access keys: {}", record.requestId(),
          e.getMessage());
      throw KmsError.INTERNAL.exception("The key server cannot check credentials now; see the key server's log");
    }
  }

  @FunctionalInterface
  private interface Authentication<T> {
    T run() throws IOException, EnvelopeException;
  }

  /**
   * Reads the whole body, refusing one over the limit: a declared length over it before a byte is read, a chunked
   * one as soon as it passes it. The unread rest is taken in after the answer without a thread ({@link
   * HttpGuards}), so the client, still sending, gets the error instead of a reset connection.
   */
  private byte[] readBody(HttpServletRequest req) throws IOException {
    int max = settings.maxBodyBytes();
    if (req.getContentLengthLong() > max) {
      throw tooLarge(max);
    }
    try (InputStream in = req.getInputStream()) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        throw tooLarge(max);
      }
      return body;
    }
  }

  private static KmsException tooLarge(int max) {
    return KmsError.VALIDATION.exception("The request body is larger than " + max + " bytes");
  }

  private static Map<String, List<String>> headers(HttpServletRequest req) {
    Map<String, List<String>> headers = new TreeMap<>();
    for (String name : Collections.list(req.getHeaderNames())) {
      headers.computeIfAbsent(name.toLowerCase(java.util.Locale.ROOT), n -> new ArrayList<>())
          .addAll(Collections.list(req.getHeaders(name)));
    }
    return headers;
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

  /**
   * Whether a request's body is worth taking in before the handler runs (without a thread): only when its headers
   * pass every check they allow ({@link KmsSignatures#precheck}). Any other request reaches the handler at once
   * and is refused there without its body being read.
   */
  private boolean worthWaitingFor(Request request) {
    try {
      signatures.precheck(request.getMethod(), request.getHttpURI().getPath(), request.getHttpURI().getQuery(),
          headers(request));
      return true;
    } catch (IOException | EnvelopeException | RuntimeException e) { // KmsException included
      return false;
    }
  }

  /**
   * A request whose headers passed the checks but whose body never came whole (cut short, or too slow): it counts
   * as a failed authentication of its address, since its signature could never be checked, and is put on record.
   */
  private void abandoned(Request request) {
    String address = Request.getRemoteAddr(request);
    failures.failed(address, "a signed request's body was abandoned before its signature could be checked");
    AuditRecord record = new AuditRecord(clock.instant(), UUID.randomUUID().toString(), address);
    claim(record, headers(request));
    record.error(KmsError.VALIDATION);
    audit.write(record);
    request.setAttribute(AUDITED, Boolean.TRUE); // Jetty's error answer to the broken request is not a second one
  }

  private static Map<String, List<String>> headers(Request request) {
    Map<String, List<String>> headers = new TreeMap<>();
    request.getHeaders().forEach(field -> headers.computeIfAbsent(field.getLowerCaseName(),
        n -> new ArrayList<>()).add(field.getValue()));
    return headers;
  }

  /**
   * A refusal made outside the API's handler (by the guards, or Jetty's own error for a malformed request), as a
   * KMS error body, on the record like every other request.
   */
  private ErrorFormat.Body refusal(Request request, Refusal refusal) {
    KmsError error = switch (refusal.reason()) {
      case THROTTLED -> KmsError.THROTTLING;
      case METHOD_OVERRIDE, TRANSFER_CODING, TOO_LARGE -> KmsError.VALIDATION;
      case MALFORMED -> refusal.status() >= 500 && refusal.status() != 505 ? KmsError.INTERNAL
          : KmsError.VALIDATION;
    };
    AuditRecord record = new AuditRecord(clock.instant(), UUID.randomUUID().toString(),
        Request.getRemoteAddr(request));
    claim(record, headers(request));
    record.error(error);
    if (request.getAttribute(AUDITED) == null) {
      audit.write(record);
    }
    try {
      return new ErrorFormat.Body(CONTENT_TYPE, KmsRequest.JSON.writeValueAsBytes(errorBody(error,
          refusal.message())), Map.of("x-amzn-RequestId", record.requestId(), "x-amzn-ErrorType", error.type()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Any other path or method: Javalin's 404 or 405, with a KMS error body rather than its own page. */
  private void answerOutsideApi(Context ctx) throws IOException {
    if (!ctx.res().isCommitted()) {
      AuditRecord record = new AuditRecord(clock.instant(), UUID.randomUUID().toString(), ctx.req().getRemoteAddr());
      claim(record, headers(ctx.req()));
      record.error(KmsError.UNKNOWN_OPERATION);
      audit.write(record); // every request is on the record, the ones to other paths and methods too
      respondError(ctx, ctx.statusCode(), KmsError.UNKNOWN_OPERATION, "The AWS KMS API is served by POST / only",
          record.requestId());
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
