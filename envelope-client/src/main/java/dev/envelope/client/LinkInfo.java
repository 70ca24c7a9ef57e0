package dev.envelope.client;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A share link as the server lists it: never its secret or URL, which exist only in the {@link NewLink} that
 * created it.
 *
 * @param id the link's public id, as {@link EnvelopeClient#revokeLink} takes it
 * @param expiresAt from when on it opens nothing
 * @param maxDownloads how many downloads it allows in all, if bounded
 * @param downloads how many it has started so far
 * @param createdAt when it was made
 */
public record LinkInfo(String id, Instant expiresAt, OptionalLong maxDownloads, long downloads, Instant createdAt) {
  public LinkInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(maxDownloads, "maxDownloads");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
