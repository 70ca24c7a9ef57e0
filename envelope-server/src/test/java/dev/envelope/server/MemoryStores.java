package dev.envelope.server;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import dev.envelope.service.BlobInfo;
import dev.envelope.service.BlobStore;
import dev.envelope.service.BlobWriter;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.NoSuchBlobException;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.TokenStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** Throwaway in-memory stores, until the embedded stores land. */
final class MemoryStores implements BlobStore, MetadataStore, TokenStore {
  final Map<String, byte[]> blobs = new ConcurrentSkipListMap<>();
  final Map<String, FileRecord> rows = new ConcurrentSkipListMap<>();
  final Map<String, TokenRecord> tokens = new ConcurrentSkipListMap<>();

  @Override
  public BlobWriter create(String key) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    return new BlobWriter() {
      @Override
      public void write(int b) {
        bytes.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        bytes.write(b, off, len);
      }

      @Override
      public void commit() {
        blobs.put(key, bytes.toByteArray());
      }

      @Override
      public void abort() {}
    };
  }

  @Override
  public InputStream read(String key, long offset, long length) throws NoSuchBlobException {
    byte[] blob = blob(key);
    int from = (int) Math.min(offset, blob.length);
    return new ByteArrayInputStream(blob, from, (int) Math.min(length, blob.length - from));
  }

  private byte[] blob(String key) throws NoSuchBlobException {
    byte[] blob = blobs.get(key);
    if (blob == null) {
      throw new NoSuchBlobException(key);
    }
    return blob;
  }

  @Override
  public long size(String key) throws NoSuchBlobException {
    return blob(key).length;
  }

  @Override
  public boolean delete(String key) {
    return blobs.remove(key) != null;
  }

  @Override
  public List<BlobInfo> list(String afterKey, int limit) {
    return blobs.entrySet().stream().filter(e -> afterKey == null || e.getKey().compareTo(afterKey) > 0)
        .limit(limit).map(e -> new BlobInfo(e.getKey(), e.getValue().length, Instant.EPOCH)).toList();
  }

  @Override
  public void checkReady() {}

  @Override
  public void close() {}

  @Override
  public void insert(FileRecord file) throws EnvelopeException {
    if (rows.putIfAbsent(file.id(), file) != null) {
      throw new EnvelopeException(ErrorCode.ALREADY_EXISTS, "taken");
    }
  }

  @Override
  public Optional<FileRecord> get(String tenant, String id) {
    return Optional.ofNullable(rows.get(id)).filter(r -> r.tenant().equals(tenant));
  }

  @Override
  public FilePage list(String tenant, String cursor, int limit) throws EnvelopeException {
    if (cursor != null && !cursor.matches("\\d{1,9}")) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "not a cursor of this store");
    }
    List<FileRecord> all = new ArrayList<>(rows.values().stream().filter(r -> r.tenant().equals(tenant)).toList());
    all.sort(Comparator.comparing(FileRecord::createdAt).thenComparing(FileRecord::id).reversed());
    int from = cursor == null ? 0 : Integer.parseInt(cursor);
    int to = Math.min(all.size(), from + limit);
    return new FilePage(all.subList(from, to), to < all.size() ? Optional.of(Integer.toString(to)) : Optional.empty());
  }

  @Override
  public boolean delete(String tenant, String id) {
    return get(tenant, id).map(r -> rows.remove(id) != null).orElse(false);
  }

  @Override
  public boolean exists(String id) {
    return rows.containsKey(id);
  }

  @Override
  public void insertToken(TokenRecord token) {
    tokens.put(token.id(), token);
  }

  @Override
  public Optional<TokenRecord> findToken(String id) {
    return Optional.ofNullable(tokens.get(id));
  }

  @Override
  public List<TokenRecord> listTokens(String tenant) {
    return tokens.values().stream().filter(t -> tenant == null || t.tenant().equals(tenant)).toList();
  }

  @Override
  public boolean revokeToken(String id, Instant at) {
    TokenRecord t = tokens.get(id);
    if (t == null) {
      return false;
    }
    if (!t.revoked()) {
      tokens.put(id, new TokenRecord(t.id(), t.tenant(), t.role(), t.name(), t.secretHash(), t.createdAt(),
          Optional.of(at)));
    }
    return true;
  }

  @Override
  public boolean hasTokens() {
    return !tokens.isEmpty();
  }
}
