package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.service.ServiceObserver.Store;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The stores as {@link FileService} uses them when it has a {@link ServiceObserver}: each failure of a store to
 * work (the metadata store's {@link ErrorCode#UNAVAILABLE}, the blob store's I/O errors, a blob read or write
 * that breaks midway) is reported, then thrown on unchanged. Answers that are not failures (a missing blob, a
 * blob that exists already, a missing row) are not reported.
 *
 * <p>Only the file service holds these wrappers: the stores an application built stay what they are, so code
 * that asks what else a store is ({@code instanceof LinkStore}) sees the real one.
 */
final class ObservedStores {
  private ObservedStores() {}

  static MetadataStore metadata(MetadataStore store, ServiceObserver observer) {
    return observer == ServiceObserver.NONE ? store : new Metadata(store, observer);
  }

  static BlobStore blobs(BlobStore store, ServiceObserver observer) {
    return observer == ServiceObserver.NONE ? store : new Blobs(store, observer);
  }

  private interface MetadataCall<T> {
    T call() throws EnvelopeException;
  }

  private interface BlobCall<T> {
    T call() throws IOException;
  }

  private record Metadata(MetadataStore store, ServiceObserver observer) implements MetadataStore {
    private <T> T observe(String operation, MetadataCall<T> call) throws EnvelopeException {
      try {
        return call.call();
      } catch (EnvelopeException e) {
        if (e.code() == ErrorCode.UNAVAILABLE) {
          observer.storeError(Store.METADATA, operation);
        }
        throw e;
      }
    }

    @Override
    public void insert(FileRecord file) throws EnvelopeException {
      observe("insert", () -> {
        store.insert(file);
        return null;
      });
    }

    @Override
    public Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
      return observe("get", () -> store.get(tenant, id));
    }

    @Override
    public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
      return observe("list", () -> store.list(tenant, cursor, limit));
    }

    @Override
    public boolean delete(String tenant, String id) throws EnvelopeException {
      return observe("delete", () -> store.delete(tenant, id));
    }

    @Override
    public FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException {
      return observe("scan", () -> store.scan(tenant, cursor, limit));
    }

    @Override
    public boolean replaceWrappedKey(FileRecord expected, String keyService, dev.envelope.core.WrappedKey replacement)
        throws EnvelopeException {
      return observe("replace_wrapped_key", () -> store.replaceWrappedKey(expected, keyService, replacement));
    }

    @Override
    public Optional<FileRecord> rename(String tenant, String id, String name, String contentType)
        throws EnvelopeException {
      return observe("rename", () -> store.rename(tenant, id, name, contentType));
    }

    @Override
    public Usage usage(String tenant) throws EnvelopeException {
      return observe("usage", () -> store.usage(tenant));
    }

    @Override
    public boolean exists(String id) throws EnvelopeException {
      return observe("exists", () -> store.exists(id));
    }

    @Override
    public void checkReady() throws EnvelopeException {
      observe("check_ready", () -> {
        store.checkReady();
        return null;
      });
    }

    @Override
    public void close() {
      store.close();
    }
  }

  private record Blobs(BlobStore store, ServiceObserver observer) implements BlobStore {
    /** Whether {@code e} means the store failed, rather than answered (no such blob, one exists already). */
    private static boolean failure(IOException e) {
      return !(e instanceof NoSuchBlobException) && !(e instanceof BlobExistsException);
    }

    private void report(String operation) {
      observer.storeError(Store.BLOB, operation);
    }

    private <T> T observe(String operation, BlobCall<T> call) throws IOException {
      try {
        return call.call();
      } catch (IOException e) {
        if (failure(e)) {
          report(operation);
        }
        throw e;
      } catch (UncheckedIOException e) {
        report(operation);
        throw e;
      }
    }

    @Override
    public BlobWriter create(String key) throws IOException {
      BlobWriter writer = observe("create", () -> store.create(key));
      return new BlobWriter() {
        @Override
        public void write(int b) throws IOException {
          observe("write", () -> {
            writer.write(b);
            return null;
          });
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          observe("write", () -> {
            writer.write(b, off, len);
            return null;
          });
        }

        @Override
        public void flush() throws IOException {
          observe("write", () -> {
            writer.flush();
            return null;
          });
        }

        @Override
        public void commit() throws IOException {
          observe("commit", () -> {
            writer.commit();
            return null;
          });
        }

        @Override
        public void abort() {
          writer.abort();
        }
      };
    }

    @Override
    public InputStream read(String key, long offset, long length) throws IOException {
      InputStream in = observe("read", () -> store.read(key, offset, length));
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          return observe("read", super::read);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return observe("read", () -> super.read(b, off, len));
        }

        @Override
        public long skip(long n) throws IOException {
          return observe("read", () -> super.skip(n));
        }
      };
    }

    @Override
    public long size(String key) throws IOException {
      return observe("size", () -> store.size(key));
    }

    @Override
    public boolean delete(String key) throws IOException {
      return observe("delete", () -> store.delete(key));
    }

    @Override
    public List<BlobInfo> list(String afterKey, int limit) throws IOException {
      return observe("list", () -> store.list(afterKey, limit));
    }

    @Override
    public Duration minimumOrphanGrace() {
      return store.minimumOrphanGrace();
    }

    @Override
    public void checkReady() throws IOException {
      observe("check_ready", () -> {
        store.checkReady();
        return null;
      });
    }

    @Override
    public void close() throws IOException {
      store.close();
    }
  }
}
