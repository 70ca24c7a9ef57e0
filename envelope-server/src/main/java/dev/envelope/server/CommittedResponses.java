package dev.envelope.server;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * A response whose status and headers have gone out can no longer report a failure: the only honest end is to
 * close the connection under it, so that the client sees the body cut short (before its {@code Content-Length},
 * or without the last chunk) and never a clean end of a bad download (security invariant 5).
 */
final class CommittedResponses {
  private CommittedResponses() {}

  /** Closes the connection under the response of {@code ctx}. */
  static void cutShort(Context ctx) {
    ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
        .getEndPoint().close();
  }
}
