package dev.envelope.cli;

import dev.envelope.core.ManagedKeyService;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import dev.envelope.server.EnvelopeServer;
import dev.envelope.service.AccessTokens;
import dev.envelope.service.FileService;
import dev.envelope.service.local.LocalStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Stream;

/**
 * The real server, in-process on a random port, over the real embedded stores and keyring in {@code home}: what
 * {@code envelope serve} runs, without the process. The CLI's client commands talk HTTP to it, and its token
 * commands open the same data directory beside it, as they would beside a live server.
 */
final class RunningServer implements AutoCloseable {
  final Path home;
  final String masterKey = Keyrings.newMasterKeyBase64();
  private final LocalStores stores;
  private final EnvelopeServer server;

  RunningServer(Path home) throws Exception {
    this.home = Files.createDirectories(home);
    ManagedKeyService keyring = Keyrings.open(home, masterKey);
    keyring.createAlias("files", keyring.createKey("file service").id());
    stores = LocalStores.open(home);
    FileService files = FileService.builder().keyService(keyring, "files").blobStore(stores.blobs())
        .metadataStore(stores.metadata()).tenantStore(stores.metadata()).segmentSize(4096).build();
    server = EnvelopeServer.builder(files, new AccessTokens(stores.tokens(), stores.metadata(), Clock.systemUTC()))
        .tenants(new dev.envelope.service.TenantAdmin(files, stores.tokens(), keyring))
        .listen("127.0.0.1", 0).build().start();
  }

  String url() {
    return server.url();
  }

  /** The stored ciphertext of file {@code id}. */
  Path blobOf(String id) throws Exception {
    try (Stream<Path> all = Files.walk(home.resolve(LocalStores.BLOBS))) {
      return all.filter(p -> p.getFileName().toString().equals(id)).findFirst().orElseThrow();
    }
  }

  @Override
  public void close() {
    server.stop();
    stores.close();
  }
}
