package dev.envelope.postgres;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Times as the store keeps them: {@code timestamptz(3)}, milliseconds, in the years 0 to 9999. */
final class PostgresTime {
  private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

  private PostgresTime() {}

  /** {@code instant} cut to milliseconds; INVALID_ARGUMENT outside the years 0 to 9999. */
  static Instant millis(Instant instant) throws EnvelopeException {
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "a time must lie in the years 0 to 9999");
    }
    return instant.truncatedTo(ChronoUnit.MILLIS);
  }

  static boolean inRange(long epochMillis) {
    return epochMillis >= EARLIEST.toEpochMilli() && epochMillis <= LATEST.toEpochMilli();
  }

  static OffsetDateTime timestamp(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  static Instant instant(ResultSet rows, int column) throws SQLException {
    return rows.getObject(column, OffsetDateTime.class).toInstant();
  }
}
