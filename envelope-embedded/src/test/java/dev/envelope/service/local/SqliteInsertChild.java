package dev.envelope.service.local;

import dev.envelope.core.WrappedKey;
import dev.envelope.service.FileRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The process that {@code SqliteMetadataStoreTest} kills with {@code kill -9}: four threads insert rows
 * into the database named by its argument and print each id once its insert has returned (acknowledged),
 * until they are killed.
 */
public final class SqliteInsertChild {
  private SqliteInsertChild() {}

  public static void main(String[] args) throws Exception {
    SqliteMetadataStore store = SqliteMetadataStore.open(Path.of(args[0]));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      int thread = t;
      pool.submit(() -> {
        for (int i = 0; ; i++) {
          String id = "t" + thread + "-" + i;
          store.insert(new FileRecord(id, "acme", id, "text/plain", i, Instant.now(), "local",
              WrappedKey.of("root", 1, id.getBytes(StandardCharsets.UTF_8)), 1, 65536));
          synchronized (System.out) {
            System.out.println(id);
            System.out.flush();
          }
        }
      });
    }
  }
}
