package dev.envelope.bench.peers;

import dev.envelope.http.ErrorFormat;
import dev.envelope.http.HttpGuards;
import dev.envelope.http.HttpLimits;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * The ceiling of the HTTP stack: {@code envelope serve}'s server without the file service. The same Javalin and
 * Jetty set up the same way ({@link HttpGuards#install} with {@link HttpLimits#defaults()}: one connector reading
 * 64 KiB at a time, the thread pool with requests on virtual threads where the JDK has them, the request guard and
 * its minimum data rate), no compression, and two routes with the real API's paths and request shapes, but no
 * token check, no key, no cipher, no disk and no log line:
 * <ul>
 *   <li>{@code POST /v1/files}: reads the body as the file service's copy loop does (64 KiB reads from {@code
 *       ctx.bodyInputStream()}) into one buffer that every request shares (what is read is thrown away, so
 *       concurrent writes into it harm nothing), and answers 201 with a small JSON like the real one, whose id
 *       is {@code pt-SIZE};
 *   <li>{@code GET /v1/files/pt-SIZE}: SIZE bytes, 200 with {@code Content-Length}, written to the servlet
 *       response as the real download writes (64 KiB writes), from a fixed random array in memory.
 * </ul>
 * Started as its own process ({@link ServerProcess#passThrough}), with the server's JVM options, it prints
 * {@code listening on http://HOST:PORT} as {@code envelope serve} does, and stops on SIGTERM.
 */
public final class PassThroughServer {
  /** The file service's copy buffer ({@code Streams.BUFFER}): the size of each read and each write. */
  static final int BUFFER = 64 * 1024;
  /** Bytes Jetty reads from a connection at a time, as {@code EnvelopeServer.UPLOAD_READ_BUFFER}. */
  static final int READ_BUFFER = 64 * 1024;
  static final String ID_PREFIX = "pt-";
  private static final byte[] DISCARD = new byte[BUFFER];
  private static final byte[] CONTENT = new byte[1024 * 1024];

  static {
    new SplittableRandom(14).nextBytes(CONTENT);
  }

  private PassThroughServer() {}

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--host" -> host = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    HttpGuards.Listener[] listener = new HttpGuards.Listener[1];
    String listenHost = host;
    int listenPort = port;
    Javalin app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.compressionStrategy = CompressionStrategy.NONE;
      config.http.prefer405over404 = true;
      listener[0] = HttpGuards.install(config, HttpGuards.Listen.plain("envelope-http", listenHost, listenPort,
          READ_BUFFER), HttpLimits.defaults(), PassThroughServer::refusal);
      config.routes.post("/v1/files", PassThroughServer::upload);
      config.routes.get("/v1/files/{id}", PassThroughServer::download);
    });
    app.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.stop();
      stopped.countDown();
    }, "pass-through-stop"));
    System.out.println("listening on http://" + listener[0].host() + ":" + listener[0].port());
    System.out.flush();
    stopped.await();
  }

  static void upload(Context ctx) throws IOException {
    if (ctx.header("Authorization") == null) {
      ctx.status(401).contentType("application/problem+json").result("{\"status\":401}");
      return;
    }
    long size = 0;
    try (InputStream body = ctx.bodyInputStream()) {
      for (int n = body.read(DISCARD); n >= 0; n = body.read(DISCARD)) {
        size += n;
      }
    }
    String id = ID_PREFIX + size;
    ctx.header("Location", "/v1/files/" + id);
    ctx.status(201).contentType("application/json").result(("{\"id\":\"" + id + "\",\"name\":\"pass-through\","
        + "\"size\":" + size + ",\"contentType\":\"application/octet-stream\",\"createdAt\":\""
        + java.time.Instant.now() + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  static void download(Context ctx) throws IOException {
    String id = ctx.pathParam("id");
    long size;
    try {
      size = id.startsWith(ID_PREFIX) ? Long.parseLong(id.substring(ID_PREFIX.length())) : -1;
    } catch (NumberFormatException e) {
      size = -1;
    }
    if (size < 0 || ctx.header("Authorization") == null) {
      ctx.status(404).contentType("application/problem+json").result("{\"status\":404}");
      return;
    }
    HttpServletResponse res = ctx.res();
    res.setStatus(200);
    res.setContentType("application/octet-stream");
    res.setContentLengthLong(size);
    OutputStream out = res.getOutputStream();
    int offset = 0;
    for (long left = size; left > 0; ) {
      int n = (int) Math.min(BUFFER, left);
      out.write(CONTENT, offset, n);
      offset = (offset + n) % (CONTENT.length - BUFFER);
      left -= n;
    }
    out.flush();
  }

  private static ErrorFormat.Body refusal(org.eclipse.jetty.server.Request request, dev.envelope.http.Refusal r) {
    return new ErrorFormat.Body("application/problem+json",
        ("{\"status\":" + r.status() + ",\"reason\":\"" + r.reason() + "\"}").getBytes(StandardCharsets.UTF_8));
  }
}
