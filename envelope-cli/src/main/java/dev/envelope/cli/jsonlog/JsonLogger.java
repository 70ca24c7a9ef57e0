package dev.envelope.cli.jsonlog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Supplier;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;

/**
 * Writes each event as one JSON object on one line: {@code time} (RFC 3339, UTC, milliseconds), {@code level},
 * {@code logger}, {@code message}, {@code requestId} when the request's log context has one, {@code thread}, and
 * {@code exception} ({@code class}, {@code message}, {@code stackTrace}) when the event has one. Jackson writes the
 * JSON, so a quote, a line break or a control character in a message cannot end the line or the object early.
 */
final class JsonLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;
  /** The MDC key the HTTP server puts each request's id under ({@code RequestLogContext}). */
  static final String REQUEST_ID = "requestId";
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final transient int threshold;
  private final transient MDCAdapter mdc;
  private final transient Supplier<PrintStream> out;
  private final transient Clock clock;

  /**
   * @param threshold the lowest {@link Level#toInt()} logged
   * @param out where lines go, asked at each event (System.err, which a test may have replaced)
   */
  JsonLogger(String name, int threshold, MDCAdapter mdc, Supplier<PrintStream> out, Clock clock) {
    this.name = name;
    this.threshold = threshold;
    this.mdc = mdc;
    this.out = out;
    this.clock = clock;
  }

  @Override
  public boolean isTraceEnabled() {
    return Level.TRACE.toInt() >= threshold;
  }

  @Override
  public boolean isDebugEnabled() {
    return Level.DEBUG.toInt() >= threshold;
  }

  @Override
  public boolean isInfoEnabled() {
    return Level.INFO.toInt() >= threshold;
  }

  @Override
  public boolean isWarnEnabled() {
    return Level.WARN.toInt() >= threshold;
  }

  @Override
  public boolean isErrorEnabled() {
    return Level.ERROR.toInt() >= threshold;
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
      Throwable throwable) {
    String line = line(level, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
    PrintStream stream = out.get();
    stream.print(line); // one call: PrintStream writes it whole, so concurrent events do not interleave
    stream.flush();
  }

  private String line(Level level, String message, Throwable throwable) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartObject();
      json.writeStringField("time", TIME.format(clock.instant()));
      json.writeStringField("level", level.toString());
      json.writeStringField("logger", name);
      json.writeStringField("message", message);
      String requestId = mdc.get(REQUEST_ID);
      if (requestId != null) {
        json.writeStringField(REQUEST_ID, requestId);
      }
      json.writeStringField("thread", Thread.currentThread().getName());
      if (throwable != null) {
        json.writeObjectFieldStart("exception");
        json.writeStringField("class", throwable.getClass().getName());
        if (throwable.getMessage() != null) {
          json.writeStringField("message", throwable.getMessage());
        }
        StringWriter trace = new StringWriter();
        throwable.printStackTrace(new PrintWriter(trace));
        json.writeStringField("stackTrace", trace.toString());
        json.writeEndObject();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.append('\n').toString();
  }
}
