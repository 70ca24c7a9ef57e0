package dev.envelope.keyserver;

import org.eclipse.jetty.util.ssl.SslContextFactory;

/** HTTPS for the key server: its certificate and private key, from a PKCS#12 key store. */
final class Tls {
  private Tls() {}

  static SslContextFactory.Server context(KeyServerSettings.Tls tls) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStorePath(tls.keyStore().toAbsolutePath().toString());
    ssl.setKeyStoreType("PKCS12");
    ssl.setKeyStorePassword(tls.password());
    return ssl;
  }
}
