package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where token records live: beside the file rows, in the same database, so that any node of a cluster can
 * check any token. Failures to reach the store are {@link dev.envelope.api.ErrorCode#UNAVAILABLE}.
 * Every implementation passes {@code TokenStoreContract} (test-jar).
 */
public interface TokenStore {
  /** Stores a new token; {@link dev.envelope.api.ErrorCode#ALREADY_EXISTS} if the id is taken. */
  void insertToken(TokenRecord token) throws EnvelopeException;

  /** The token with that id, revoked or not. */
  Optional<TokenRecord> findToken(String id) throws EnvelopeException;

  /** Every token (of one tenant, or of all when {@code tenant} is null), oldest first, revoked ones too. */
  List<TokenRecord> listTokens(String tenant) throws EnvelopeException;

  /**
   * Marks a token revoked from {@code at} on; returns false if there is no such token. Revoking a revoked
   * token keeps its first revocation time and returns true.
   */
  boolean revokeToken(String id, Instant at) throws EnvelopeException;

  /**
   * Records that the token was used at {@code at}: one plain update of one column or attribute, and nothing when
   * there is no such token (it never makes one). A later use than the recorded one replaces it; an earlier one
   * leaves it, so nodes that record out of order never move it back.
   */
  void recordTokenUse(String id, Instant at) throws EnvelopeException;

  /** Whether there is any token at all (first start creates the admin token when there is none). */
  boolean hasTokens() throws EnvelopeException;
}
