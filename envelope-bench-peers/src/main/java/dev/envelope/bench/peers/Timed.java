package dev.envelope.bench.peers;

import dev.envelope.api.EnvelopeException;
import dev.envelope.core.DataKey;
import dev.envelope.core.EncryptionContext;
import dev.envelope.core.KeyService;
import dev.envelope.core.WrappedKey;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.MetadataStore;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pass-through wrappers that time what a rewrap asks of its key service and of its metadata store, so that the
 * report can say where a rewrap's time goes (the key service's {@code ReEncrypt}, the store's scan, the store's
 * conditional update) without changing a line of {@link dev.envelope.service.Rewrap}. Each adds two {@link
 * System#nanoTime()} calls to a call: nothing beside a key service or a database round trip.
 */
final class Timed {
  private Timed() {}

  /** Calls and nanoseconds of one kind of call. */
  static final class Clock {
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();

    void add(long started) {
      nanos.addAndGet(System.nanoTime() - started);
      calls.incrementAndGet();
    }

    long calls() {
      return calls.get();
    }

    double seconds() {
      return nanos.get() / 1e9;
    }

    void reset() {
      calls.set(0);
      nanos.set(0);
    }
  }

  /** A key service whose {@code reEncrypt} calls are timed; everything else passes through untimed. */
  static final class Keys implements KeyService {
    final KeyService delegate;
    final Clock reEncrypt = new Clock();

    Keys(KeyService delegate) {
      this.delegate = delegate;
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public DataKey generateDataKey(String rootKey, EncryptionContext context) throws EnvelopeException {
      return delegate.generateDataKey(rootKey, context);
    }

    @Override
    public DataKey decrypt(WrappedKey wrapped, EncryptionContext context) throws EnvelopeException {
      return delegate.decrypt(wrapped, context);
    }

    @Override
    public WrappedKey reEncrypt(WrappedKey wrapped, EncryptionContext context, String newRootKey)
        throws EnvelopeException {
      long started = System.nanoTime();
      try {
        return delegate.reEncrypt(wrapped, context, newRootKey);
      } finally {
        reEncrypt.add(started);
      }
    }
  }

  /** A metadata store whose scans, conditional updates and single reads are timed. */
  static final class Store implements MetadataStore {
    final MetadataStore delegate;
    final Clock scan = new Clock();
    final Clock replace = new Clock();
    final Clock get = new Clock();

    Store(MetadataStore delegate) {
      this.delegate = delegate;
    }

    void reset() {
      scan.reset();
      replace.reset();
      get.reset();
    }

    @Override
    public void insert(FileRecord file) throws EnvelopeException {
      delegate.insert(file);
    }

    @Override
    public Optional<FileRecord> get(String tenant, String id) throws EnvelopeException {
      long started = System.nanoTime();
      try {
        return delegate.get(tenant, id);
      } finally {
        get.add(started);
      }
    }

    @Override
    public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
      return delegate.list(tenant, cursor, limit);
    }

    @Override
    public boolean delete(String tenant, String id) throws EnvelopeException {
      return delegate.delete(tenant, id);
    }

    @Override
    public FilePage scan(String tenant, String cursor, int limit) throws EnvelopeException {
      long started = System.nanoTime();
      try {
        return delegate.scan(tenant, cursor, limit);
      } finally {
        scan.add(started);
      }
    }

    @Override
    public boolean replaceWrappedKey(FileRecord expected, String keyService, WrappedKey replacement)
        throws EnvelopeException {
      long started = System.nanoTime();
      try {
        return delegate.replaceWrappedKey(expected, keyService, replacement);
      } finally {
        replace.add(started);
      }
    }

    @Override
    public Optional<FileRecord> rename(String tenant, String id, String name, String contentType)
        throws EnvelopeException {
      return delegate.rename(tenant, id, name, contentType);
    }

    @Override
    public Usage usage(String tenant) throws EnvelopeException {
      return delegate.usage(tenant);
    }

    @Override
    public boolean exists(String id) throws EnvelopeException {
      return delegate.exists(id);
    }

    @Override
    public void checkReady() throws EnvelopeException {
      delegate.checkReady();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
