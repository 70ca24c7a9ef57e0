package dev.envelope.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /v1/openapi.json}: the API's OpenAPI 3.1 document, written by hand and committed once, as
 * {@code docs/openapi.json}, which the build packages as this class's resource; a test keeps it and the
 * registered routes equal.
 */
final class OpenApi {
  static final String RESOURCE = "openapi.json";
  private final byte[] document;

  OpenApi() {
    this.document = load();
  }

  static byte[] load() {
    try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void serve(Context ctx) {
    ctx.status(200).contentType(Json.MEDIA_TYPE).result(document);
  }
}
