package dev.envelope.http;

import java.io.IOException;

/**
 * A client moved data slower than the listener's minimum rate ({@link HttpLimits#minDataRate()}) once its grace
 * period was over: its request body read, or its response write, fails with this.
 */
public final class SlowClientException extends IOException {
  SlowClientException(String message) {
    super(message);
  }
}
