package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where share links live: beside the file rows and tokens, in the same database, so that any node of a cluster can
 * serve any link and the download count of a link is one number across all of them. Failures to reach the store
 * are {@link dev.envelope.api.ErrorCode#UNAVAILABLE}. Every implementation passes {@code LinkStoreContract}
 * (test-jar).
 */
public interface LinkStore {
  /** Stores a new link; {@link dev.envelope.api.ErrorCode#ALREADY_EXISTS} if the id is taken. */
  void insertLink(LinkRecord link) throws EnvelopeException;

  /** The link with that id, whatever its state. */
  Optional<LinkRecord> findLink(String id) throws EnvelopeException;

  /** The links of one file of one tenant, oldest first, whatever their state. */
  List<LinkRecord> listLinks(String tenant, String fileId) throws EnvelopeException;

  /**
   * Marks a link revoked from {@code at} on; false if there is no such link. Revoking a revoked link keeps its
   * first revocation time and returns true.
   */
  boolean revokeLink(String id, Instant at) throws EnvelopeException;

  /**
   * Counts one download of the link if, at {@code now}, it is not revoked, not expired and has downloads left:
   * one conditional update, atomic across every node, so that racing downloads never count past the maximum.
   * Returns whether it counted (false: no such link, or it opens nothing now).
   */
  boolean countDownload(String id, Instant now) throws EnvelopeException;

  /** Removes every link of one file of one tenant (its file was deleted); returns how many. */
  int deleteLinks(String tenant, String fileId) throws EnvelopeException;
}
