package dev.envelope.keyserver;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** HTTPS for the key server: one TLS connector in place of the plain one, from a PKCS#12 key store. */
final class Tls {
  private Tls() {}

  static void configure(JavalinConfig cfg, KeyServerSettings settings, KeyServerSettings.Tls tls) {
    cfg.jetty.addConnector((server, httpConfig) -> {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStorePath(tls.keyStore().toAbsolutePath().toString());
      ssl.setKeyStoreType("PKCS12");
      ssl.setKeyStorePassword(tls.password());
      httpConfig.addCustomizer(new SecureRequestCustomizer(false)); // SNI checks off: clients use IPs too
      ServerConnector connector = new ServerConnector(server,
          new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(httpConfig));
      connector.setHost(settings.host());
      connector.setPort(settings.port());
      return connector;
    });
  }
}
