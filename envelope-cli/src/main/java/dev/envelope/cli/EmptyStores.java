package dev.envelope.cli;

import dev.envelope.core.WrappedKey;
import dev.envelope.service.FilePage;
import dev.envelope.service.FileRecord;
import dev.envelope.service.LinkRecord;
import dev.envelope.service.LinkStore;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.TenantRecord;
import dev.envelope.service.TenantStore;
import dev.envelope.service.TokenRecord;
import dev.envelope.service.TokenStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The stores of a node that has none yet (a home without its SQLite file), as a dry run of {@code admin migrate}
 * sees them: empty, and never written (a write is a bug, and throws). It stands in for opening the real store,
 * which would create it: a dry run creates nothing.
 */
final class EmptyStores implements MetadataStore, TokenStore, TenantStore, LinkStore {
  @Override
  public void insert(FileRecord file) {
    throw refused();
  }

  @Override
  public Optional<FileRecord> get(String tenant, String id) {
    return Optional.empty();
  }

  @Override
  public FilePage list(String tenant, String cursor, int limit) {
    return new FilePage(List.of(), Optional.empty());
  }

  @Override
  public boolean delete(String tenant, String id) {
    throw refused();
  }

  @Override
  public FilePage scan(String tenant, String cursor, int limit) {
    return new FilePage(List.of(), Optional.empty());
  }

  @Override
  public boolean replaceWrappedKey(FileRecord expected, String keyService, WrappedKey replacement) {
    throw refused();
  }

  @Override
  public Optional<FileRecord> rename(String tenant, String id, String name, String contentType) {
    return Optional.empty();
  }

  @Override
  public Usage usage(String tenant) {
    return new Usage(0, 0);
  }

  @Override
  public boolean exists(String id) {
    return false;
  }

  @Override
  public void insertLink(LinkRecord link) {
    throw refused();
  }

  @Override
  public Optional<LinkRecord> findLink(String id) {
    return Optional.empty();
  }

  @Override
  public List<LinkRecord> listLinks(String tenant, String fileId) {
    return List.of();
  }

  @Override
  public boolean revokeLink(String id, Instant at) {
    return false;
  }

  @Override
  public boolean countDownload(String id, Instant now) {
    return false;
  }

  @Override
  public int deleteLinks(String tenant, String fileId) {
    return 0;
  }

  @Override
  public void checkReady() {}

  @Override
  public void close() {}

  @Override
  public void insertToken(TokenRecord token) {
    throw refused();
  }

  @Override
  public Optional<TokenRecord> findToken(String id) {
    return Optional.empty();
  }

  @Override
  public List<TokenRecord> listTokens(String tenant) {
    return List.of();
  }

  @Override
  public boolean revokeToken(String id, Instant at) {
    throw refused();
  }

  @Override
  public void recordTokenUse(String id, Instant at) {}

  @Override
  public boolean hasTokens() {
    return false;
  }

  @Override
  public void insertTenant(TenantRecord tenant) {
    throw refused();
  }

  @Override
  public Optional<TenantRecord> findTenant(String name) {
    return Optional.empty();
  }

  @Override
  public List<TenantRecord> listTenants() {
    return List.of();
  }

  @Override
  public boolean replaceTenant(TenantRecord expected, TenantRecord updated) {
    throw refused();
  }

  private static IllegalStateException refused() {
    return new IllegalStateException("a store that does not exist yet is never written by a dry run");
  }
}
