package dev.envelope.client;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A stored file as the server describes it.
 *
 * @param id the file's id, as {@link EnvelopeClient#download} and {@link EnvelopeClient#delete} take it
 * @param name the name given at upload: data, never a path; may hold any printable Unicode text, so escape
 *     it before showing it on a terminal or in HTML
 * @param size the plaintext size in bytes
 * @param contentType the media type given at upload
 * @param createdAt when the upload was acknowledged
 * @param sha256 the SHA-256 of the plaintext as the server computed it while the upload streamed in (64 lowercase
 *     hex digits), or empty for a file stored before the server recorded it
 */
public record FileInfo(String id, String name, long size, String contentType, Instant createdAt,
    Optional<String> sha256) {
  public FileInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(sha256, "sha256");
  }

  /** A file whose digest is not known. */
  public FileInfo(String id, String name, long size, String contentType, Instant createdAt) {
    this(id, name, size, contentType, createdAt, Optional.empty());
  }
}
