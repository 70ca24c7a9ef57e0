package dev.envelope.keyserver;

import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.WrappedKey;
import dev.envelope.keyring.Keyrings;
import dev.envelope.pkcs11.Pkcs11KeyService;
import dev.envelope.pkcs11.SoftHsmToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;

/**
 * A benchmark, not a test: GenerateDataKey and Decrypt requests per second through the AWS SDK (16 concurrent
 * clients, each its own {@link KmsClient}, over loopback) against the key server, next to the same operations
 * called in-process on the key service, for the local keyring and (when SoftHSM2 is there) the PKCS#11 key
 * service, in one run. Every Decrypt checks its plaintext. Run with {@code bin/bench-keyserver}.
 *
 * <p>Usage: {@code KeyServerBench [SECONDS [CLIENTS]]} (defaults 5 and 16; 2 seconds of warm-up first).
 */
public final class KeyServerBench {
  private static final Map<String, String> CONTEXT = Map.of("tenant", "bench", "object", "o1");

  private KeyServerBench() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    System.setProperty("http.maxConnections", String.valueOf(clients * 2)); // keep-alive for every client
    Path home = Files.createTempDirectory("keyserver-bench");
    System.out.printf("Key server benchmark: %d concurrent clients, %d s per row after 2 s warm-up, %d cores, %s%n",
        clients, seconds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
    System.out.printf("%-8s  %-34s  %12s%n", "keys", "operation", "requests/s");
    run("local", Keyrings.open(home.resolve("local"), Keyrings.newMasterKeyBase64()), home, seconds, clients);
    if (System.getenv("SOFTHSM2_CONF") != null) {
      run("pkcs11", Pkcs11KeyService.open(SoftHsmToken.config(SoftHsmToken.MAIN, home.resolve("pkcs11"))), home,
          seconds, clients);
    } else {
      System.out.printf("%-8s  not available (SOFTHSM2_CONF not set; bin/bench-keyserver sets it)%n", "pkcs11");
    }
  }

  private static void run(String name, ManagedKeyService keys, Path home, int seconds, int clients)
      throws Exception {
    String keyId = keys.createKey("bench").id();
    EncryptionContext context = EncryptionContext.of(CONTEXT);
    WrappedKey wrapped;
    byte[] expected;
    try (DataKey key = keys.generateDataKey(keyId, context)) {
      wrapped = key.wrapped();
      expected = key.copyPlaintext(dev.envelope.core.InsecureKeyAccess.get());
    }
    SdkBytes blob = SdkBytes.fromByteArray(CiphertextBlob.encode(wrapped));
    try (KeyServerFixture fixture = KeyServerFixture.start(home.resolve(name + "-server"), keys, Clock.systemUTC())) {
      List<KmsClient> sdk = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        sdk.add(fixture.client(fixture.accessKey.id(), fixture.accessKey.secret()));
      }
      row(name, "GenerateDataKey, AWS SDK -> key server", seconds, clients, i -> {
        GenerateDataKeyResponse r = sdk.get(i).generateDataKey(b -> b.keyId(keyId).keySpec(DataKeySpec.AES_256)
            .encryptionContext(CONTEXT));
        check(r.plaintext().asByteArray().length == 32);
      });
      row(name, "Decrypt, AWS SDK -> key server", seconds, clients, i -> check(Arrays.equals(expected,
          sdk.get(i).decrypt(b -> b.ciphertextBlob(blob).encryptionContext(CONTEXT)).plaintext().asByteArray())));
      row(name, "generateDataKey, in-process", seconds, clients, i -> {
        try (DataKey key = keys.generateDataKey(keyId, context)) {
          check(key.wrapped().rootKeyId().equals(keyId));
        }
      });
      row(name, "decrypt, in-process", seconds, clients, i -> {
        try (DataKey key = keys.decrypt(wrapped, context)) {
          check(Arrays.equals(expected, key.copyPlaintext(dev.envelope.core.InsecureKeyAccess.get())));
        }
      });
      sdk.forEach(KmsClient::close);
    }
  }

  interface Op {
    void run(int client) throws Exception;
  }

  private static void row(String keys, String operation, int seconds, int clients, Op op) throws Exception {
    measure(2, clients, op);
    double perSecond = measure(seconds, clients, op);
    System.out.printf("%-8s  %-34s  %,12.0f%n", keys, operation, perSecond);
  }

  private static double measure(int seconds, int clients, Op op) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    AtomicBoolean stop = new AtomicBoolean();
    List<Future<Long>> counts = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      int client = c;
      counts.add(pool.submit((Callable<Long>) () -> {
        long n = 0;
        while (!stop.get()) {
          op.run(client);
          n++;
        }
        return n;
      }));
    }
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    long total = 0;
    for (Future<Long> count : counts) {
      total += count.get();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return total / elapsed;
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("FAILED: a result did not match");
    }
  }
}
