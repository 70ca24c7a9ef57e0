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
 * <p>Usage: {@code KeyServerBench [SECONDS [CLIENTS [WARMUP_SECONDS]]]} (defaults 5, 16 and 5). The SDK and
 * the server share this JVM: the SDK's own client work and the JIT compiling it take most of the CPU of a
 * request (a flight recording showed SDK frames in 2 of 5 samples, Jetty 1 in 5, Envelope's code hardly at all),
 * so the figures say what one machine does as client and server at once. The load average is printed with them.
 */
public final class KeyServerBench {
  private static final Map<String, String> CONTEXT = Map.of("tenant", "bench", "object", "o1");

  private static int warmUpSeconds;
  private static boolean printing;

  private KeyServerBench() {}

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    warmUpSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    System.setProperty("http.maxConnections", String.valueOf(clients * 2)); // keep-alive for every client
    Path home = Files.createTempDirectory("keyserver-bench");
    System.out.printf("Key server benchmark: %d concurrent clients, %d s per row after %d s warm-up, %d cores, JDK %s,"
        + " load average before: %s%n", clients, seconds, warmUpSeconds, Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.version"), loadAverage());
    // One unprinted round first, so the JIT has compiled the SDK's and the server's paths before any row.
    printing = false;
    run("local", Keyrings.open(home.resolve("warm-up"), Keyrings.newMasterKeyBase64()), home, warmUpSeconds, clients);
    printing = true;
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
    Path serverHome = Files.createTempDirectory(home, name + "-server");
    try (KeyServerFixture fixture = KeyServerFixture.start(serverHome, keys, Clock.systemUTC())) {
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
    measure(warmUpSeconds, clients, op);
    double perSecond = measure(seconds, clients, op);
    if (printing) {
      System.out.printf("%-8s  %-34s  %,12.0f   (load %s)%n", keys, operation, perSecond,
          loadAverage().split(" ")[0]);
    }
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
