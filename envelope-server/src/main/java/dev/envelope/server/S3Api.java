package dev.envelope.server;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditEvent;
import dev.envelope.server.audit.AuditEvent.Type;
import dev.envelope.service.BucketRecord;
import dev.envelope.service.FileRecord;
import dev.envelope.service.ObjectRecord;
import dev.envelope.service.Principal;
import dev.envelope.service.S3Exception;
import dev.envelope.service.S3Objects;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jetty.http.ByteRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The S3 REST API, over {@link S3Objects}: path-style requests ({@code /bucket/key}) always, virtual-hosted-style
 * ({@code bucket.DOMAIN/key}) with a domain. Every request is signed (SigV4: {@link S3Signatures}); every answer
 * carries {@code x-amz-request-id} (the same id as the audit log's); errors are S3's XML with S3's codes.
 *
 * <p>What it serves: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, ListObjects (v1 and
 * v2), PutObject, GetObject (one range, the conditional headers, {@code response-*} overrides), HeadObject,
 * DeleteObject, DeleteObjects, CopyObject, and multipart uploads (Create, UploadPart, Complete, Abort, ListParts,
 * ListMultipartUploads). Anything else answers {@code NotImplemented}.
 */
final class S3Api {
  private static final Logger LOG = LoggerFactory.getLogger(S3Api.class);
  private static final Logger SECURITY = LoggerFactory.getLogger("dev.envelope.security");
  /** The largest XML body of a request (DeleteObjects of 1,000 keys of 1,024 bytes fits). */
  static final int MAX_XML_BYTES = 2 * 1024 * 1024;
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;
  private static final List<String> RESPONSE_OVERRIDES = List.of("response-content-type",
      "response-content-language", "response-expires", "response-cache-control", "response-content-disposition",
      "response-content-encoding");

  private final S3Objects objects;
  private final S3Signatures signatures;
  private final Audits audits;
  private final Downloads downloads;
  private final String region;
  private final String domain;

  S3Api(S3Objects objects, S3Signatures signatures, Audits audits, Downloads downloads, String region,
      String domain) {
    this.objects = objects;
    this.signatures = signatures;
    this.audits = audits;
    this.downloads = downloads;
    this.region = region;
    this.domain = domain == null || domain.isEmpty() ? null : domain.toLowerCase(Locale.ROOT);
  }

  /** An S3 error: its HTTP status, S3 code and message. */
  static final class S3Failure extends Exception {
    final int status;
    final String code;

    S3Failure(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** Where a request goes: the bucket (null for the service), the key (null for the bucket), the query. */
  record Target(String bucket, String key, Map<String, String> query, String rawPath, String rawQuery) {
    boolean has(String parameter) {
      return query.containsKey(parameter);
    }

    String param(String name) {
      return query.get(name);
    }
  }

  /** Every S3 request, every method and path. */
  void handle(Context ctx) {
    AuditTrail.restoreHeader(ctx);
    String requestId = AuditTrail.requestId(ctx);
    ctx.header("x-amz-request-id", requestId);
    ctx.header("x-amz-id-2", requestId);
    Target target = null;
    try {
      target = target(ctx);
      S3Signatures.Signed signed = signatures.verify(ctx, target);
      Principal caller = signed.principal();
      dispatch(ctx, target, caller, signed.body());
    } catch (S3Failure f) {
      answerError(ctx, target, f);
    } catch (EnvelopeException e) {
      answerError(ctx, target, failureOf(e, target));
    } catch (Exception | Error e) {
      String incident = Incidents.log(LOG, "S3 request " + requestId + " failed", e);
      answerError(ctx, target, new S3Failure(500, "InternalError",
          "We encountered an internal error. Please try again. (incident " + incident + ")"));
    }
  }

  private void dispatch(Context ctx, Target t, Principal caller, InputStream body) throws Exception {
    String method = ctx.method().name();
    if (t.bucket() == null) {
      if (method.equals("GET")) {
        audited(ctx, Type.S3_BUCKET_LIST, caller, (c, p) -> listBuckets(c, p));
        return;
      }
      throw notImplemented();
    }
    if (t.key() == null) {
      switch (method) {
        case "GET" -> {
          if (t.has("location")) {
            audited(ctx, Type.S3_BUCKET_READ, caller, (c, p) -> location(c, p, t));
          } else if (t.has("uploads")) {
            audited(ctx, Type.S3_OBJECT_LIST, caller, (c, p) -> listUploads(c, p, t));
          } else if (onlyListParameters(t)) {
            audited(ctx, Type.S3_OBJECT_LIST, caller, (c, p) -> listObjects(c, p, t));
          } else {
            throw notImplemented();
          }
        }
        case "HEAD" -> audited(ctx, Type.S3_BUCKET_READ, caller, (c, p) -> {
          objects.bucket(p, t.bucket());
          c.header("x-amz-bucket-region", region);
          c.status(200);
        });
        case "PUT" -> {
          if (!t.query().isEmpty()) {
            throw notImplemented();
          }
          audited(ctx, Type.S3_BUCKET_CREATE, caller, (c, p) -> createBucket(c, p, t, body));
        }
        case "DELETE" -> {
          if (!t.query().isEmpty()) {
            throw notImplemented();
          }
          audited(ctx, Type.S3_BUCKET_DELETE, caller, (c, p) -> {
            objects.deleteBucket(p, t.bucket());
            c.status(204);
          });
        }
        case "POST" -> {
          if (t.has("delete")) {
            audited(ctx, Type.S3_OBJECTS_DELETE, caller, (c, p) -> deleteObjects(c, p, t, body));
          } else {
            throw notImplemented();
          }
        }
        default -> throw notImplemented();
      }
      return;
    }
    if (t.has("uploads") || t.has("uploadId") || t.has("partNumber")) {
      multipart(ctx, t, caller, body, method);
      return;
    }
    if (!t.query().isEmpty() && !(method.equals("GET") || method.equals("HEAD"))) {
      throw notImplemented(); // tagging, ACLs, retention: not served
    }
    switch (method) {
      case "GET" -> {
        requireOnly(t, RESPONSE_OVERRIDES);
        audited(ctx, Type.FILE_DOWNLOAD, caller, (c, p) -> getObject(c, p, t));
      }
      case "HEAD" -> {
        requireOnly(t, List.of());
        audited(ctx, Type.FILE_HEAD, caller, (c, p) -> headObject(c, p, t));
      }
      case "PUT" -> {
        if (ctx.header("x-amz-copy-source") != null) {
          audited(ctx, Type.S3_OBJECT_COPY, caller, (c, p) -> copyObject(c, p, t));
        } else {
          audited(ctx, Type.FILE_UPLOAD, caller, (c, p) -> putObject(c, p, t, body));
        }
      }
      case "DELETE" -> audited(ctx, Type.FILE_DELETE, caller, (c, p) -> {
        objects.delete(p, t.bucket(), t.key());
        c.status(204);
      });
      default -> throw notImplemented();
    }
  }

  /** CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts. */
  private void multipart(Context ctx, Target t, Principal caller, InputStream body, String method) throws Exception {
    String uploadId = t.param("uploadId");
    if (method.equals("POST") && t.has("uploads") && uploadId == null) {
      audited(ctx, Type.S3_UPLOAD_START, caller, (c, p) -> {
        dev.envelope.service.UploadRecord upload = objects.startUpload(p, t.bucket(), t.key(),
            c.header("Content-Type"), userMetadata(c));
        AuditTrail.in(c).fileId(upload.uploadId());
        encryptionHeaders(c, upload.wrappedKey().rootKeyId());
        xml(c, 200, S3Xml.document("InitiateMultipartUploadResult").element("Bucket", t.bucket())
            .element("Key", t.key()).element("UploadId", upload.uploadId()).end("InitiateMultipartUploadResult"));
      });
    } else if (method.equals("PUT") && uploadId != null && t.has("partNumber")) {
      if (ctx.header("x-amz-copy-source") != null) {
        throw new S3Failure(501, "NotImplemented", "UploadPartCopy is not served: copy the object, or upload the"
            + " part.");
      }
      int partNumber = partNumber(t.param("partNumber"));
      audited(ctx, Type.S3_UPLOAD_PART, caller, (c, p) -> {
        AuditTrail.in(c).fileId(uploadId);
        dev.envelope.service.PartRecord part = objects.putPart(p, t.bucket(), t.key(), uploadId, partNumber, body,
            S3Signatures.declaredLength(c));
        c.header("ETag", "\"" + part.etag() + "\"");
        encryptionHeaders(c, objects.rootKeyOf(p));
        c.status(200);
      });
    } else if (method.equals("POST") && uploadId != null) {
      audited(ctx, Type.S3_UPLOAD_COMPLETE, caller, (c, p) -> completeUpload(c, p, t, uploadId, body));
    } else if (method.equals("DELETE") && uploadId != null) {
      audited(ctx, Type.S3_UPLOAD_ABORT, caller, (c, p) -> {
        AuditTrail.in(c).fileId(uploadId);
        objects.abortUpload(p, t.bucket(), t.key(), uploadId);
        c.status(204);
      });
    } else if (method.equals("GET") && uploadId != null) {
      audited(ctx, Type.S3_OBJECT_LIST, caller, (c, p) -> listParts(c, p, t, uploadId));
    } else {
      throw notImplemented();
    }
  }

  private static int partNumber(String text) throws S3Failure {
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= dev.envelope.service.PartRecord.MAX_PARTS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new S3Failure(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
  }

  private void completeUpload(Context ctx, Principal caller, Target t, String uploadId, InputStream body)
      throws Exception {
    Document doc = S3Xml.parse(readXmlBody(body));
    if (doc == null || !doc.getDocumentElement().getLocalName().equals("CompleteMultipartUpload")) {
      throw malformedXml();
    }
    List<S3Objects.PartClaim> claims = new ArrayList<>();
    NodeList children = doc.getDocumentElement().getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if (children.item(i) instanceof Element e && e.getLocalName().equals("Part")) {
        String number = text(e, "PartNumber");
        if (number == null) {
          throw malformedXml();
        }
        int n;
        try {
          n = Integer.parseInt(number.strip());
        } catch (NumberFormatException bad) {
          throw malformedXml();
        }
        claims.add(new S3Objects.PartClaim(n, text(e, "ETag")));
      }
    }
    if (claims.size() > dev.envelope.service.PartRecord.MAX_PARTS) {
      throw malformedXml();
    }
    AuditTrail.in(ctx).fileId(uploadId);
    ObjectRecord object = objects.completeUpload(caller, t.bucket(), t.key(), uploadId, claims);
    encryptionHeaders(ctx, objects.rootKeyOf(caller, object));
    xml(ctx, 200, S3Xml.document("CompleteMultipartUploadResult").element("Location", "/" + t.bucket() + "/"
        + t.key()).element("Bucket", t.bucket()).element("Key", t.key()).element("ETag", "\"" + object.etag() + "\"")
        .end("CompleteMultipartUploadResult"));
  }

  private static S3Failure malformedXml() {
    return new S3Failure(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against"
        + " our published schema.");
  }

  private void listParts(Context ctx, Principal caller, Target t, String uploadId) throws Exception {
    int after = t.param("part-number-marker") == null ? 0 : intParam(t, "part-number-marker");
    int max = t.param("max-parts") == null ? 1000 : intParam(t, "max-parts");
    S3Objects.PartPage page = objects.listParts(caller, t.bucket(), t.key(), uploadId, after, max);
    S3Xml xml = S3Xml.document("ListPartsResult").element("Bucket", t.bucket()).element("Key", t.key())
        .element("UploadId", uploadId).element("PartNumberMarker", after)
        .element("NextPartNumberMarker", page.parts().isEmpty() ? after
            : page.parts().get(page.parts().size() - 1).partNumber())
        .element("MaxParts", max).element("IsTruncated", page.truncated()).element("StorageClass", "STANDARD");
    for (dev.envelope.service.PartRecord part : page.parts()) {
      xml.open("Part").element("PartNumber", part.partNumber()).element("LastModified", part.lastModified())
          .element("ETag", "\"" + part.etag() + "\"").element("Size", part.size()).close("Part");
    }
    xml(ctx, 200, xml.end("ListPartsResult"));
  }

  private void listUploads(Context ctx, Principal caller, Target t) throws Exception {
    int max = t.param("max-uploads") == null ? 1000 : intParam(t, "max-uploads");
    S3Objects.UploadPage page = objects.listUploads(caller, t.bucket(), t.param("prefix"), t.param("key-marker"),
        t.param("upload-id-marker"), max);
    S3Xml xml = S3Xml.document("ListMultipartUploadsResult").element("Bucket", t.bucket())
        .element("KeyMarker", orEmpty(t.param("key-marker")))
        .element("UploadIdMarker", orEmpty(t.param("upload-id-marker")));
    if (page.truncated() && !page.uploads().isEmpty()) {
      dev.envelope.service.UploadRecord last = page.uploads().get(page.uploads().size() - 1);
      xml.element("NextKeyMarker", last.key()).element("NextUploadIdMarker", last.uploadId());
    }
    xml.element("Prefix", orEmpty(t.param("prefix"))).element("MaxUploads", max)
        .element("IsTruncated", page.truncated());
    for (dev.envelope.service.UploadRecord u : page.uploads()) {
      xml.open("Upload").element("Key", u.key()).element("UploadId", u.uploadId())
          .open("Initiator").element("ID", u.tenant()).element("DisplayName", u.tenant()).close("Initiator")
          .open("Owner").element("ID", u.tenant()).element("DisplayName", u.tenant()).close("Owner")
          .element("StorageClass", "STANDARD").element("Initiated", u.initiatedAt()).close("Upload");
    }
    xml(ctx, 200, xml.end("ListMultipartUploadsResult"));
  }

  private static int intParam(Target t, String name) throws S3Failure {
    try {
      int n = Integer.parseInt(t.param(name));
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new S3Failure(400, "InvalidArgument", name + " must be a whole number");
  }

  private static boolean onlyListParameters(Target t) {
    List<String> allowed = List.of("list-type", "prefix", "delimiter", "continuation-token", "start-after",
        "max-keys", "fetch-owner", "encoding-type", "marker");
    return allowed.containsAll(t.query().keySet());
  }

  private static void requireOnly(Target t, List<String> allowed) throws S3Failure {
    for (String name : t.query().keySet()) {
      if (!allowed.contains(name) && !name.toLowerCase(Locale.ROOT).startsWith("x-amz-")) {
        throw notImplemented();
      }
    }
  }

  private static S3Failure notImplemented() {
    return new S3Failure(501, "NotImplemented", "A header or query you provided implies functionality that is not"
        + " implemented.");
  }

  /** Runs {@code handler} on the audit log as {@code type}, as {@link Audits#on} does for the /v1 API. */
  private void audited(Context ctx, Type type, Principal caller, Authenticated.PrincipalHandler handler)
      throws Exception {
    audits.on(type, handler).handle(ctx, caller);
  }

  // The service and buckets

  private void listBuckets(Context ctx, Principal caller) throws EnvelopeException {
    List<BucketRecord> buckets = objects.buckets(caller);
    S3Xml xml = S3Xml.document("ListAllMyBucketsResult");
    xml.open("Owner").element("ID", caller.tenant()).element("DisplayName", caller.tenant()).close("Owner");
    xml.open("Buckets");
    for (BucketRecord b : buckets) {
      xml.open("Bucket").element("Name", b.name()).element("CreationDate", b.createdAt())
          .element("BucketRegion", region).close("Bucket");
    }
    xml.close("Buckets");
    xml(ctx, 200, xml.end("ListAllMyBucketsResult"));
  }

  private void createBucket(Context ctx, Principal caller, Target t, InputStream body) throws Exception {
    byte[] config = readXmlBody(body);
    if (config.length > 0) {
      Document doc = S3Xml.parse(config);
      if (doc == null || !doc.getDocumentElement().getLocalName().equals("CreateBucketConfiguration")) {
        throw new S3Failure(400, "MalformedXML", "The XML you provided was not well-formed or did not validate"
            + " against our published schema.");
      }
      String location = text(doc.getDocumentElement(), "LocationConstraint");
      if (location != null && !location.isEmpty() && !location.equals(region)) {
        throw new S3Failure(400, "InvalidLocationConstraint", "The specified location-constraint is not valid:"
            + " this server's region is " + region);
      }
    }
    objects.createBucket(caller, t.bucket());
    ctx.header("Location", "/" + t.bucket());
    ctx.status(200);
  }

  private void location(Context ctx, Principal caller, Target t) throws EnvelopeException {
    objects.bucket(caller, t.bucket());
    // us-east-1 is answered as an empty constraint, as S3 does.
    String open = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" + S3Xml.NAMESPACE + "\"";
    String doc = region.equals("us-east-1") ? open + "/>" : open + ">" + region + "</LocationConstraint>";
    xml(ctx, 200, doc.getBytes(StandardCharsets.UTF_8));
  }

  private void listObjects(Context ctx, Principal caller, Target t) throws Exception {
    boolean v2 = "2".equals(t.param("list-type"));
    if (t.has("list-type") && !v2) {
      throw new S3Failure(400, "InvalidArgument", "list-type must be 2");
    }
    String encoding = t.param("encoding-type");
    if (encoding != null && !encoding.equals("url")) {
      throw new S3Failure(400, "InvalidArgument", "Invalid Encoding Method specified in Request");
    }
    boolean url = encoding != null;
    int maxKeys = 1000;
    if (t.param("max-keys") != null) {
      try {
        maxKeys = Integer.parseInt(t.param("max-keys"));
      } catch (NumberFormatException e) {
        maxKeys = -1;
      }
      if (maxKeys < 0) {
        throw new S3Failure(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
      }
    }
    String prefix = orEmpty(t.param("prefix"));
    String delimiter = orEmpty(t.param("delimiter"));
    String after;
    String token = t.param("continuation-token");
    if (v2) {
      after = orEmpty(t.param("start-after"));
      if (token != null) {
        after = decodeToken(token);
      }
    } else {
      after = orEmpty(t.param("marker"));
    }
    S3Objects.Listing page = objects.list(caller, t.bucket(), prefix, delimiter, after, maxKeys);
    String root = "ListBucketResult";
    S3Xml xml = S3Xml.document(root).element("Name", t.bucket()).element("Prefix", enc(prefix, url));
    if (v2) {
      xml.element("StartAfter", t.param("start-after") == null ? null : enc(t.param("start-after"), url));
      xml.element("ContinuationToken", token);
      xml.element("KeyCount", page.objects().size() + page.commonPrefixes().size());
      if (page.truncated()) {
        xml.element("NextContinuationToken", encodeToken(page.last()));
      }
    } else {
      xml.element("Marker", enc(after, url));
      if (page.truncated()) {
        xml.element("NextMarker", enc(page.last(), url));
      }
    }
    xml.element("MaxKeys", maxKeys);
    if (!delimiter.isEmpty()) {
      xml.element("Delimiter", enc(delimiter, url));
    }
    if (url) {
      xml.element("EncodingType", "url");
    }
    xml.element("IsTruncated", page.truncated());
    boolean owner = !v2 || "true".equals(t.param("fetch-owner"));
    for (ObjectRecord o : page.objects()) {
      xml.open("Contents").element("Key", enc(o.key(), url)).element("LastModified", o.lastModified())
          .element("ETag", "\"" + o.etag() + "\"").element("Size", o.size()).element("StorageClass", "STANDARD");
      if (owner) {
        xml.open("Owner").element("ID", o.tenant()).element("DisplayName", o.tenant()).close("Owner");
      }
      xml.close("Contents");
    }
    for (String p : page.commonPrefixes()) {
      xml.open("CommonPrefixes").element("Prefix", enc(p, url)).close("CommonPrefixes");
    }
    xml(ctx, 200, xml.end(root));
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** {@code encoding-type=url}: keys percent-encoded, so that any key survives XML 1.0. */
  private static String enc(String s, boolean url) {
    return url && s != null ? java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20") : s;
  }

  /** A continuation token: where the next page starts, opaque to clients. */
  static String encodeToken(String after) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(after.getBytes(StandardCharsets.UTF_8));
  }

  static String decodeToken(String token) throws S3Failure {
    try {
      String after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (after.getBytes(StandardCharsets.UTF_8).length > 2048) {
        throw new IllegalArgumentException("too long");
      }
      return after;
    } catch (IllegalArgumentException e) {
      throw new S3Failure(400, "InvalidArgument", "The continuation token provided is incorrect");
    }
  }

  private void deleteObjects(Context ctx, Principal caller, Target t, InputStream body) throws Exception {
    byte[] bytes = readXmlBody(body);
    Document doc = S3Xml.parse(bytes);
    if (doc == null || !doc.getDocumentElement().getLocalName().equals("Delete")) {
      throw new S3Failure(400, "MalformedXML", "The XML you provided was not well-formed or did not validate"
          + " against our published schema.");
    }
    boolean quiet = "true".equalsIgnoreCase(text(doc.getDocumentElement(), "Quiet"));
    List<String> keys = new ArrayList<>();
    NodeList children = doc.getDocumentElement().getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      Node n = children.item(i);
      if (n instanceof Element e && e.getLocalName().equals("Object")) {
        String key = text(e, "Key");
        if (key == null) {
          throw new S3Failure(400, "MalformedXML", "Each Object needs a Key.");
        }
        keys.add(key);
      }
    }
    if (keys.isEmpty() || keys.size() > 1000) {
      throw new S3Failure(400, "MalformedXML", "A DeleteObjects request names 1 to 1000 objects.");
    }
    objects.bucket(caller, t.bucket());
    S3Xml xml = S3Xml.document("DeleteResult");
    for (String key : keys) {
      try {
        objects.delete(caller, t.bucket(), key);
        if (!quiet) {
          xml.open("Deleted").element("Key", key).close("Deleted");
        }
      } catch (EnvelopeException e) {
        S3Failure f = failureOf(e, t);
        xml.open("Error").element("Key", key).element("Code", f.code).element("Message", f.getMessage())
            .close("Error");
      }
    }
    xml(ctx, 200, xml.end("DeleteResult"));
  }

  private static String text(Element parent, String child) {
    NodeList list = parent.getElementsByTagNameNS("*", child);
    return list.getLength() == 0 ? null : list.item(0).getTextContent();
  }

  private static byte[] readXmlBody(InputStream body) throws IOException, S3Failure {
    byte[] bytes = body.readNBytes(MAX_XML_BYTES + 1);
    if (bytes.length > MAX_XML_BYTES) {
      throw new S3Failure(400, "MaxMessageLengthExceeded", "Your request was too big.");
    }
    return bytes;
  }

  // Objects

  private void putObject(Context ctx, Principal caller, Target t, InputStream body) throws Exception {
    long declared = S3Signatures.declaredLength(ctx);
    Map<String, String> meta = userMetadata(ctx);
    String type = ctx.header("Content-Type");
    ObjectRecord stored = objects.put(caller, t.bucket(), t.key(), type, meta, body, declared);
    AuditTrail trail = AuditTrail.in(ctx);
    trail.fileId(stored.fileId());
    trail.undo(() -> {
      try {
        objects.delete(caller, t.bucket(), t.key());
      } catch (EnvelopeException e) {
        LOG.warn("could not take back object of file {} after its audit line failed: {}", stored.fileId(),
            e.getMessage());
      }
    });
    ctx.header("ETag", "\"" + stored.etag() + "\"");
    encryptionHeaders(ctx, objects.rootKeyOf(caller, stored));
    ctx.status(200);
  }

  private void copyObject(Context ctx, Principal caller, Target t) throws Exception {
    String source = ctx.header("x-amz-copy-source");
    String decoded = decode(source, false);
    if (decoded.startsWith("/")) {
      decoded = decoded.substring(1);
    }
    int q = decoded.indexOf("?versionId=");
    if (q >= 0) {
      throw new S3Failure(501, "NotImplemented", "Envelope keeps no object versions.");
    }
    int slash = decoded.indexOf('/');
    if (slash <= 0 || slash == decoded.length() - 1) {
      throw new S3Failure(400, "InvalidArgument", "Copy Source must mention the source bucket and key:"
          + " sourcebucket/sourcekey");
    }
    String fromBucket = decoded.substring(0, slash);
    String fromKey = decoded.substring(slash + 1);
    String directive = Optional.ofNullable(ctx.header("x-amz-metadata-directive")).orElse("COPY");
    if (!directive.equals("COPY") && !directive.equals("REPLACE")) {
      throw new S3Failure(400, "InvalidArgument", "Unknown metadata directive.");
    }
    if (ctx.header("x-amz-copy-source-if-match") != null || ctx.header("x-amz-copy-source-if-none-match") != null
        || ctx.header("x-amz-copy-source-if-modified-since") != null
        || ctx.header("x-amz-copy-source-if-unmodified-since") != null) {
      ObjectRecord from = objects.head(caller, fromBucket, fromKey);
      checkConditions(ctx, from, "x-amz-copy-source-", true);
    }
    boolean replace = directive.equals("REPLACE");
    ObjectRecord copy = objects.copy(caller, fromBucket, fromKey, t.bucket(), t.key(), replace,
        ctx.header("Content-Type"), replace ? userMetadata(ctx) : Map.of());
    AuditTrail.in(ctx).fileId(copy.fileId());
    encryptionHeaders(ctx, objects.rootKeyOf(caller, copy));
    S3Xml xml = S3Xml.document("CopyObjectResult").element("LastModified", copy.lastModified())
        .element("ETag", "\"" + copy.etag() + "\"");
    xml(ctx, 200, xml.end("CopyObjectResult"));
  }

  private void headObject(Context ctx, Principal caller, Target t) throws Exception {
    ObjectRecord object = objects.head(caller, t.bucket(), t.key());
    AuditTrail.in(ctx).fileId(object.fileId());
    if (checkConditions(ctx, object, "", false)) {
      return;
    }
    describe(ctx, object, null);
    ctx.res().setContentLengthLong(object.size());
    ctx.status(200);
  }

  private void getObject(Context ctx, Principal caller, Target t) throws Exception {
    Map<String, String> overrides = new LinkedHashMap<>();
    for (String name : RESPONSE_OVERRIDES) {
      String value = t.param(name);
      if (value != null) {
        if (!value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
          throw new S3Failure(400, "InvalidArgument", name + " must be printable ASCII");
        }
        overrides.put(name.substring("response-".length()), value);
      }
    }
    if (ctx.header("If-Match") != null || ctx.header("If-None-Match") != null
        || ctx.header("If-Modified-Since") != null || ctx.header("If-Unmodified-Since") != null) {
      ObjectRecord object = objects.head(caller, t.bucket(), t.key());
      AuditTrail.in(ctx).fileId(object.fileId());
      if (checkConditions(ctx, object, "", false)) {
        return;
      }
    }
    try (S3Objects.Opened opened = objects.open(caller, t.bucket(), t.key())) {
      ObjectRecord object = opened.object();
      FileRecord file = opened.download().file();
      List<ByteRange> ranges = Downloads.requestedRanges(Collections.list(ctx.req().getHeaders("Range")), null,
          "\"" + object.etag() + "\"", object.size());
      if (ranges != null && ranges.isEmpty()) {
        throw new S3Failure(416, "InvalidRange", "The requested range is not satisfiable");
      }
      ByteRange range = ranges == null || ranges.size() > 1 ? null : ranges.get(0);
      AuditTrail trail = AuditTrail.in(ctx);
      trail.file(file);
      if (range != null) {
        trail.range(range.first(), range.last());
        trail.sent(range.getLength(), null);
      }
      trail.record(AuditEvent.Outcome.STARTED, null);
      describe(ctx, object, file);
      overrides.forEach((name, value) -> ctx.res().setHeader(name, value));
      if (range == null) {
        ctx.res().setStatus(200);
        ctx.res().setContentLengthLong(object.size());
        downloads.stream(ctx, file, trail, opened.download()::writeTo);
      } else {
        ctx.res().setStatus(206);
        ctx.res().setHeader("Content-Range", range.toHeaderValue(object.size()));
        ctx.res().setContentLengthLong(range.getLength());
        downloads.stream(ctx, file, trail, out -> opened.download().writeRange(out, range.first(),
            range.getLength()));
      }
    }
  }

  /** The headers GetObject and HeadObject share. */
  private void describe(Context ctx, ObjectRecord object, FileRecord file) throws EnvelopeException {
    HttpServletResponse res = ctx.res();
    res.setContentType(object.contentType());
    res.setHeader("ETag", "\"" + object.etag() + "\"");
    res.setHeader("Last-Modified", HTTP_DATE.format(object.lastModified().atZone(ZoneOffset.UTC)));
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("X-Content-Type-Options", "nosniff");
    object.userMetadata().forEach((name, value) -> res.setHeader("x-amz-meta-" + name, value));
    encryptionHeaders(ctx, file != null ? file.wrappedKey().rootKeyId() : objects.rootKeyOf(
        new Principal(object.tenant(), dev.envelope.service.Role.READ, ""), object));
  }

  private static void encryptionHeaders(Context ctx, String rootKeyId) {
    ctx.header("x-amz-server-side-encryption", "aws:kms");
    ctx.header("x-amz-server-side-encryption-aws-kms-key-id", rootKeyId);
  }

  /**
   * The conditional headers of GET and HEAD (or of a copy's source, with {@code x-amz-copy-source-}), by S3's
   * precedence: a failed If-Match is 412 (If-Unmodified-Since only counts without If-Match); a matching
   * If-None-Match is 304 (If-Modified-Since only counts without If-None-Match). Returns whether it answered 304.
   */
  private static boolean checkConditions(Context ctx, ObjectRecord object, String prefix, boolean copy)
      throws S3Failure {
    String etag = "\"" + object.etag() + "\"";
    Instant modified = object.lastModified().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String ifMatch = ctx.header(prefix + (prefix.isEmpty() ? "If-Match" : "if-match"));
    String ifNoneMatch = ctx.header(prefix + (prefix.isEmpty() ? "If-None-Match" : "if-none-match"));
    Instant ifModified = date(ctx.header(prefix + (prefix.isEmpty() ? "If-Modified-Since" : "if-modified-since")));
    Instant ifUnmodified = date(ctx.header(prefix + (prefix.isEmpty() ? "If-Unmodified-Since"
        : "if-unmodified-since")));
    if (ifMatch != null && !matches(ifMatch, etag)
        || ifMatch == null && ifUnmodified != null && modified.isAfter(ifUnmodified)) {
      throw new S3Failure(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not"
          + " hold");
    }
    boolean notModified = ifNoneMatch != null ? matches(ifNoneMatch, etag)
        : ifModified != null && !modified.isAfter(ifModified);
    if (!notModified) {
      return false;
    }
    if (copy) {
      throw new S3Failure(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not"
          + " hold");
    }
    ctx.status(304);
    ctx.header("ETag", etag);
    ctx.header("Last-Modified", HTTP_DATE.format(object.lastModified().atZone(ZoneOffset.UTC)));
    return true;
  }

  private static boolean matches(String header, String etag) {
    for (String candidate : header.split(",")) {
      String c = candidate.strip();
      if (c.equals("*") || c.equals(etag) || c.equals(etag.substring(1, etag.length() - 1))) {
        return true;
      }
    }
    return false;
  }

  private static Instant date(String header) {
    if (header == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(header.strip(), HTTP_DATE).toInstant();
    } catch (DateTimeParseException e) {
      return null; // an invalid date is ignored, as RFC 9110 says
    }
  }

  /** The {@code x-amz-meta-*} headers, names in lower case without the prefix. */
  private static Map<String, String> userMetadata(Context ctx) {
    Map<String, String> meta = new TreeMap<>();
    for (String name : Collections.list(ctx.req().getHeaderNames())) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("x-amz-meta-") && lower.length() > "x-amz-meta-".length()) {
        meta.merge(lower.substring("x-amz-meta-".length()), String.join(",",
            Collections.list(ctx.req().getHeaders(name))), (a, b) -> a + "," + b);
      }
    }
    return meta;
  }

  // Requests and answers

  /** Where the request goes, from the raw path (and the Host header, for virtual-hosted style). */
  Target target(Context ctx) throws S3Failure {
    String rawPath = ctx.req().getRequestURI();
    String rawQuery = Optional.ofNullable(ctx.req().getQueryString()).orElse("");
    Map<String, String> query = new TreeMap<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
      if (name.toLowerCase(Locale.ROOT).startsWith("x-amz-")) {
        continue; // a presigned URL's signature: the verifier reads it from the raw query
      }
      if (query.put(name, value) != null) {
        throw new S3Failure(400, "InvalidArgument", "A query parameter appears twice: " + name);
      }
    }
    String path = decode(rawPath, false);
    if (!path.startsWith("/")) {
      throw new S3Failure(400, "InvalidURI", "Couldn't parse the specified URI.");
    }
    String bucket = virtualHostBucket(ctx);
    String key;
    if (bucket != null) {
      key = path.length() > 1 ? path.substring(1) : null;
    } else {
      String rest = path.substring(1);
      if (rest.isEmpty()) {
        return new Target(null, null, query, rawPath, rawQuery);
      }
      int slash = rest.indexOf('/');
      bucket = slash < 0 ? rest : rest.substring(0, slash);
      key = slash < 0 || slash == rest.length() - 1 ? null : rest.substring(slash + 1);
    }
    return new Target(bucket, key, query, rawPath, rawQuery);
  }

  private String virtualHostBucket(Context ctx) {
    if (domain == null) {
      return null;
    }
    String host = Optional.ofNullable(ctx.header("Host")).orElse("").toLowerCase(Locale.ROOT);
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon) {
      host = host.substring(0, colon);
    }
    if (host.endsWith("." + domain) && host.length() > domain.length() + 1) {
      return host.substring(0, host.length() - domain.length() - 1);
    }
    return null;
  }

  /**
   * Percent-decodes a path or a query part, strictly: an escape that is not two hex digits, or bytes that are not
   * UTF-8, are {@code InvalidURI} (a lenient decoder would map several spellings to one key through U+FFFD).
   */
  static String decode(String s, boolean plusIsSpace) throws S3Failure {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0
            || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw invalidUri();
        }
        bytes.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(utf8, 0, utf8.length);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw invalidUri();
    }
  }

  private static S3Failure invalidUri() {
    return new S3Failure(400, "InvalidURI", "Couldn't parse the specified URI: it is not valid percent-encoded"
        + " UTF-8.");
  }

  /** The S3 answer for a failure of the service. */
  S3Failure failureOf(EnvelopeException e, Target t) {
    if (e instanceof S3Exception s3) {
      return new S3Failure(statusOf(s3.s3Code(), e.code()), s3.s3Code(), e.getMessage());
    }
    Throwable cause = e.getCause();
    while (cause != null) {
      if (cause instanceof dev.envelope.http.sigv4.SigV4Exception refused) {
        return S3Signatures.failureOf(refused); // the payload proved bad while it streamed in: nothing was kept
      }
      cause = cause.getCause();
    }
    String message = e.getMessage();
    return switch (e.code()) {
      case NOT_FOUND -> t != null && t.key() != null ? new S3Failure(404, "NoSuchKey", "The specified key does not"
          + " exist.") : new S3Failure(404, "NoSuchBucket", "The specified bucket does not exist");
      case FORBIDDEN, UNAUTHENTICATED -> new S3Failure(403, "AccessDenied", message);
      case TENANT_SHREDDED -> new S3Failure(403, "AccessDenied", message);
      case TOO_LARGE -> new S3Failure(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed"
          + " object size: " + message);
      case QUOTA_EXCEEDED -> new S3Failure(403, "QuotaExceeded", message);
      case RANGE_NOT_SATISFIABLE -> new S3Failure(416, "InvalidRange", message);
      case PRECONDITION_FAILED -> new S3Failure(412, "PreconditionFailed", message);
      case IO -> new S3Failure(400, "IncompleteBody", "You did not provide the number of bytes specified by the"
          + " Content-Length HTTP header: " + message);
      case INVALID_ARGUMENT -> new S3Failure(400, "InvalidArgument", message);
      case CONFLICT -> new S3Failure(409, "OperationAborted", message);
      case THROTTLED -> new S3Failure(503, "SlowDown", message);
      case UNAVAILABLE, KEYRING_UNAVAILABLE -> new S3Failure(503, "ServiceUnavailable", message);
      case KEY_DISABLED -> new S3Failure(400, "KMS.DisabledException", message);
      case KEY_NOT_FOUND -> new S3Failure(400, "KMS.NotFoundException", message);
      case KEY_INVALID_STATE -> new S3Failure(400, "KMS.KMSInvalidStateException", message);
      case UNSUPPORTED_FORMAT -> new S3Failure(501, "NotImplemented", message);
      default -> {
        String incident = Incidents.log(LOG, "S3 request failed: " + e.code().id(), e);
        yield new S3Failure(500, "InternalError", "We encountered an internal error (" + e.code().id()
            + ", incident " + incident + ").");
      }
    };
  }

  private static int statusOf(String s3Code, ErrorCode code) {
    return switch (s3Code) {
      case "NoSuchBucket", "NoSuchKey", "NoSuchUpload" -> 404;
      case "AccessDenied" -> 403;
      case "BucketAlreadyExists", "BucketAlreadyOwnedByYou", "BucketNotEmpty" -> 409;
      default -> code == ErrorCode.UNAVAILABLE ? 503 : 400;
    };
  }

  private void answerError(Context ctx, Target t, S3Failure f) {
    if (ctx.res().isCommitted()) {
      CommittedResponses.cutShort(ctx);
      return;
    }
    String requestId = AuditTrail.requestId(ctx);
    String retryAfter = ctx.res().getHeader("Retry-After");
    ctx.res().reset();
    AuditTrail.restoreHeader(ctx);
    ctx.header("x-amz-request-id", requestId);
    ctx.header("x-amz-id-2", requestId);
    if (retryAfter != null) {
      ctx.header("Retry-After", retryAfter);
    }
    if (ctx.method().name().equals("HEAD")) {
      ctx.status(f.status);
      return;
    }
    S3Xml xml = S3Xml.bare("Error").element("Code", f.code).element("Message", f.getMessage());
    if (t != null && t.bucket() != null) {
      xml.element("BucketName", t.bucket());
      xml.element("Key", t.key());
    }
    xml.element("Resource", t == null ? null : t.rawPath()).element("RequestId", requestId);
    xml(ctx, f.status, xml.end("Error"));
  }

  /** Refusals the listener's guards answer before the API sees a request, in S3's XML. */
  static dev.envelope.http.ErrorFormat errorFormat() {
    return (request, refusal) -> {
      String code = switch (refusal.reason()) {
        case THROTTLED -> "SlowDown";
        case TRANSFER_CODING -> "NotImplemented";
        case METHOD_OVERRIDE -> "InvalidArgument";
        case TOO_LARGE -> refusal.status() == 431 ? "RequestHeaderSectionTooLarge" : "EntityTooLarge";
        case MALFORMED -> "InvalidRequest";
      };
      String message = refusal.message() == null ? code : refusal.message();
      byte[] body = S3Xml.bare("Error").element("Code", code).element("Message", message).end("Error");
      return new dev.envelope.http.ErrorFormat.Body(S3Xml.MEDIA_TYPE, body);
    };
  }

  private static void xml(Context ctx, int status, byte[] body) {
    ctx.status(status);
    ctx.res().setContentType(S3Xml.MEDIA_TYPE);
    ctx.res().setContentLength(body.length);
    try {
      ctx.res().getOutputStream().write(body);
    } catch (IOException e) {
      LOG.debug("client went away before its answer: {}", e.getMessage());
    }
  }
}
