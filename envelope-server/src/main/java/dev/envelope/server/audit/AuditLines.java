package dev.envelope.server.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The format of the audit log, shared by the writer and the verifier: one canonical JSON object per line, fields
 * always in the same order, absent ones left out, every character outside printable ASCII escaped (so no value,
 * not even U+2028 or U+0085, can break a line), and {@code prev} the SHA-256 of the previous line's exact bytes
 * without its line feed. Files are named {@code NODE.GENERATION.jsonl}, generation from {@code 000001}.
 */
final class AuditLines {
  /** The {@code prev} of the first line of a new chain. */
  static final String GENESIS = "0".repeat(64);
  /** Longest value taken from a request; the rest is cut, so nobody can fill the log with one header. */
  static final int MAX_VALUE = 128;
  /** Longest line the verifier parses; written lines are well under 2 KiB. */
  static final int MAX_LINE = 64 * 1024;
  static final String SUFFIX = ".jsonl";
  /** A node name: also a file name, so no separators, no dot first, nothing a shell or a path reads. */
  static final Pattern NODE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
  private static final Pattern FILE = Pattern.compile("(" + NODE.pattern() + ")\\.(\\d{6,9})" + Pattern.quote(SUFFIX));
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  private static final JsonFactory FACTORY = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).build()).build();
  private static final ObjectMapper READER = JsonMapper.builder(FACTORY)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private AuditLines() {}

  /** The bytes of one line, without its line feed. */
  static byte[] encode(long seq, String prev, Instant time, String node, AuditEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeNumberField("seq", seq);
      json.writeStringField("prev", prev);
      json.writeStringField("time", time.toString());
      json.writeStringField("node", node);
      json.writeStringField("event", e.type.id());
      json.writeStringField("outcome", e.outcome.id());
      field(json, "code", e.code);
      field(json, "requestId", e.requestId);
      field(json, "address", e.address);
      field(json, "tenant", e.tenant);
      field(json, "tokenId", e.tokenId);
      field(json, "fileId", e.fileId);
      field(json, "target", e.target);
      field(json, "role", e.role);
      field(json, "range", e.range);
      if (e.bytes != null) {
        json.writeNumberField("bytes", e.bytes);
      }
      field(json, "previousFile", e.previousFile);
      json.writeEndObject();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return out.toByteArray();
  }

  private static void field(JsonGenerator json, String name, String value) throws IOException {
    if (value != null) {
      json.writeStringField(name, value.length() <= MAX_VALUE ? value : value.substring(0, MAX_VALUE) + "...");
    }
  }

  /** What the chain needs of a line. */
  record Link(long seq, String prev, Optional<String> previousFile) {}

  /** The link fields of a line, or a sentence saying why it is not an audit line. */
  static Object parse(byte[] line, int length) {
    JsonNode node;
    try {
      node = READER.readTree(line, 0, length);
    } catch (IOException | RuntimeException e) {
      return "not JSON";
    }
    if (node == null || !node.isObject()) {
      return "not a JSON object";
    }
    JsonNode seq = node.get("seq");
    JsonNode prev = node.get("prev");
    if (seq == null || !seq.canConvertToExactIntegral() || !seq.canConvertToLong() || seq.longValue() < 1) {
      return "no valid seq";
    }
    if (prev == null || !prev.isTextual() || !HASH.matcher(prev.textValue()).matches()) {
      return "no valid prev";
    }
    JsonNode previous = node.get("previousFile");
    return new Link(seq.longValue(), prev.textValue(),
        previous != null && previous.isTextual() ? Optional.of(previous.textValue()) : Optional.empty());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  static String hash(byte[] line, int length) {
    MessageDigest sha = sha256();
    sha.update(line, 0, length);
    return hex(sha.digest());
  }

  static String fileName(String node, int generation) {
    return String.format("%s.%06d%s", node, generation, SUFFIX);
  }

  /** The node and generation of a log file's name, or empty if it is not one. */
  static Optional<Named> named(String fileName) {
    Matcher m = FILE.matcher(fileName);
    return m.matches() ? Optional.of(new Named(m.group(1), Integer.parseInt(m.group(2)))) : Optional.empty();
  }

  record Named(String node, int generation) {}
}
