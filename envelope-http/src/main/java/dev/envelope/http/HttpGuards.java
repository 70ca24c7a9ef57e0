package dev.envelope.http;

import io.javalin.config.JavalinConfig;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Installs the guards of an Envelope listener on a Javalin app, in one place, so that the file server and the
 * key server keep the same bounds ({@link HttpLimits}):
 * <ul>
 *   <li>one connector, on the given address, with the header size, header deadline and idle timeout of the
 *       limits, a cap on connections in all and one per client address;
 *   <li>a thread pool of {@link HttpLimits#maxThreads()}, whose requests run on virtual threads where the JDK
 *       has them (21 and later; Jetty finds out at run time, so one {@code --release 17} build serves both);
 *   <li>{@link RequestGuard} in front of the application (which also keeps the minimum data rate), and Jetty's
 *       own errors in the server's format.
 * </ul>
 * A client that has not authenticated never holds a thread: headers are read by Jetty's selector, the
 * application refuses at once, and the unread body is taken in without a thread.
 */
public final class HttpGuards {
  private HttpGuards() {}

  /**
   * Where and how to listen.
   *
   * @param name names the threads (e.g. {@code envelope-http})
   * @param inputBufferSize bytes read from a connection at a time (0: Jetty's default)
   * @param tls the server's certificate, for HTTPS
   * @param prefetch bodies to take in before the application sees the request ({@link BodyPrefetch})
   * @param anyPath whether paths that servlets call ambiguous ({@code //}, {@code %2F}, {@code ..} segments), and
   *     header values, reach the application exactly as sent: an S3 object key may be any of them, the S3 API reads
   *     the raw path itself, and SigV4 signs header values byte for byte
   */
  public record Listen(String name, String host, int port, int inputBufferSize,
      Optional<SslContextFactory.Server> tls, Optional<BodyPrefetch> prefetch, boolean anyPath) {
    public Listen(String name, String host, int port, int inputBufferSize, Optional<SslContextFactory.Server> tls,
        Optional<BodyPrefetch> prefetch) {
      this(name, host, port, inputBufferSize, tls, prefetch, false);
    }

    public Listen {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(prefetch, "prefetch");
    }

    /** Where and how to listen, without TLS and with bodies read by the application. */
    public static Listen plain(String name, String host, int port, int inputBufferSize) {
      return new Listen(name, host, port, inputBufferSize, Optional.empty(), Optional.empty());
    }
  }

  /** The connector, once Javalin has made it (after {@code start()}). */
  public static final class Listener {
    private volatile ServerConnector connector;

    public int port() {
      return connector.getLocalPort();
    }

    public String host() {
      return connector.getHost();
    }
  }

  /** Installs the guards and the connector on {@code config}; the app is then started without an address. */
  public static Listener install(JavalinConfig config, Listen listen, HttpLimits limits, ErrorFormat errors) {
    Listener listener = new Listener();
    config.jetty.threadPool = threadPool(listen.name(), limits.maxThreads());
    config.jetty.modifyServer(server -> {
      server.setErrorHandler(new GuardedErrorHandler(errors));
      // Javalin puts its servlet context inside it.
      server.setHandler(new RequestGuard(limits, errors, listen.prefetch()));
    });
    if (listen.anyPath()) {
      config.jetty.modifyServletContextHandler(context -> context.getServletHandler().setDecodeAmbiguousURIs(true));
    }
    config.jetty.addConnector((server, http) -> {
      if (listen.anyPath()) {
        http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.UNSAFE);
        // Signed header values must reach the application as sent: Jetty's header cache otherwise hands back its
        // own spelling of a known value ("text/plain; charset=utf-8" for "...UTF-8"), and the signature fails.
        http.setHeaderCacheCaseSensitive(true);
      }
      http.setSendServerVersion(false);
      http.setSendXPoweredBy(false);
      http.setRequestHeaderSize(limits.maxHeaderBytes());
      // Jetty's own minimum rates stay off: its request rate counts the server's time against the client (a
      // small body read after a slow key service call was cut), and its response rate is not enforced at all.
      // GuardedRequest and GuardedResponse keep the minimum instead.
      HttpConnectionFactory http1 = new HttpConnectionFactory(http);
      if (listen.inputBufferSize() > 0) {
        http1.setInputBufferSize(listen.inputBufferSize());
      }
      ServerConnector connector;
      if (listen.tls().isPresent()) {
        http.addCustomizer(new SecureRequestCustomizer(false)); // SNI checks off: clients use IPs too
        connector = new ServerConnector(server, new SslConnectionFactory(listen.tls().get(), "http/1.1"), http1);
      } else {
        connector = new ServerConnector(server, http1);
      }
      connector.setHost(listen.host());
      connector.setPort(listen.port());
      connector.setIdleTimeout(limits.idleTimeout().toMillis());
      connector.addBean(new AddressConnectionLimit(limits.maxConnectionsPerAddress()));
      connector.addBean(new HeaderDeadline(limits.headerTimeout().toNanos(), connector.getScheduler()));
      server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
      listener.connector = connector;
      return connector;
    });
    return listener;
  }

  /** Platform threads up to {@code max}; requests on virtual threads where the JDK has them. */
  static QueuedThreadPool threadPool(String name, int max) {
    QueuedThreadPool pool = new QueuedThreadPool(max, Math.min(8, max), 60_000);
    pool.setName(name);
    if (virtualThreads()) {
      pool.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor(name + "-v"));
    }
    return pool;
  }

  /** Whether requests run on virtual threads on this JDK. */
  public static boolean virtualThreads() {
    return VirtualThreads.areSupported() && !"false".equals(System.getProperty("envelope.http.virtual-threads"));
  }
}
