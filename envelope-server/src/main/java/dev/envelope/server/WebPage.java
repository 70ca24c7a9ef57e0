package dev.envelope.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The web page at {@code /}: three static files from the jar ({@code index.html}, {@code app.js},
 * {@code app.css}), no token needed, since they hold no data; everything of a tenant comes from the API, with the
 * token the person pasted. No framework, no build step, nothing from another origin: it works offline.
 *
 * <p>Every answer carries a strict Content-Security-Policy ({@link #CSP}: scripts and styles from this origin only,
 * none inline, no framing), {@code X-Frame-Options: DENY}, {@code nosniff} and {@code no-referrer}. The files are
 * revalidated on each load ({@code no-cache} with a strong ETag of their content, so a 304 costs no body): a new
 * version of the server is what the next load shows.
 */
final class WebPage {
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  /** Where the files are, beside this class. */
  private static final String FOLDER = "web/";

  /** One file of the page: where it is served, and as what. */
  record Asset(String path, String resource, String mediaType) {}

  static final List<Asset> ASSETS = List.of(
      new Asset("/", "index.html", "text/html; charset=utf-8"),
      new Asset("/app.js", "app.js", "text/javascript; charset=utf-8"),
      new Asset("/app.css", "app.css", "text/css; charset=utf-8"));

  private WebPage() {}

  /** Registers a GET route per file; each file is read once, here. */
  static void register(RoutesConfig routes) {
    for (Asset asset : ASSETS) {
      byte[] content = load(asset.resource());
      String etag = "\"" + sha256(content) + "\"";
      routes.get(asset.path(), ctx -> serve(ctx, asset, content, etag));
    }
  }

  private static void serve(Context ctx, Asset asset, byte[] content, String etag) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cross-Origin-Opener-Policy", "same-origin");
    ctx.header("Cache-Control", "no-cache");
    ctx.header("ETag", etag);
    String noneMatch = ctx.header("If-None-Match");
    if (noneMatch != null && Conditions.matches(noneMatch, etag, false)) {
      ctx.status(304);
      return;
    }
    ctx.status(200).contentType(asset.mediaType()).result(content);
  }

  static byte[] load(String resource) {
    try (InputStream in = WebPage.class.getResourceAsStream(FOLDER + resource)) {
      if (in == null) {
        throw new IllegalStateException("the web page's " + resource + " is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
