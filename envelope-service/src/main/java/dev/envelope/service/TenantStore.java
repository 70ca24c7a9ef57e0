package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import java.util.List;
import java.util.Optional;

/**
 * Where tenant records live: beside the file rows and tokens, in the same database, so that every node of a
 * cluster wraps a tenant's files under the same key and stops serving a shredded tenant. Failures to reach the
 * store are {@link dev.envelope.api.ErrorCode#UNAVAILABLE}. Every implementation passes {@code
 * TenantStoreContract} (test-jar).
 */
public interface TenantStore {
  /** Stores a new tenant; {@link dev.envelope.api.ErrorCode#ALREADY_EXISTS} if the name is taken. */
  void insertTenant(TenantRecord tenant) throws EnvelopeException;

  /** The tenant's record, if it has one. */
  Optional<TenantRecord> findTenant(String name) throws EnvelopeException;

  /** Every tenant record, by name. */
  List<TenantRecord> listTenants() throws EnvelopeException;

  /**
   * Replaces {@code expected} with {@code updated} (same name) if the stored record still equals {@code
   * expected} in every field; returns false, changing nothing, if it does not (another writer was first) or is
   * gone. Atomic: two racing updates from one record cannot both succeed.
   */
  boolean replaceTenant(TenantRecord expected, TenantRecord updated) throws EnvelopeException;
}
