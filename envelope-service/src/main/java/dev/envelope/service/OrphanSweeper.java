package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes blobs without a row. Uploads write the blob before the row, so a process that dies between the two
 * leaves a blob nobody can read (its wrapped key was never stored): harmless, but it takes space. The grace
 * period keeps the sweeper away from uploads that are between the two steps right now.
 */
final class OrphanSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);
  private static final int PAGE = 500;

  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final Clock clock;
  private final LivePart livePart;

  /** Whether a blob without a file row of its name is a part still wanted (an S3 multipart upload's). */
  @FunctionalInterface
  interface LivePart {
    boolean test(String key) throws EnvelopeException;
  }

  OrphanSweeper(BlobStore blobs, MetadataStore metadata, Clock clock) {
    this(blobs, metadata, clock, key -> false);
  }

  OrphanSweeper(BlobStore blobs, MetadataStore metadata, Clock clock, LivePart livePart) {
    this.blobs = blobs;
    this.metadata = metadata;
    this.clock = clock;
    this.livePart = livePart;
  }

  int sweep(Duration grace) throws EnvelopeException {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative");
    }
    Instant cutoff = clock.instant().minus(grace);
    int deleted = 0;
    String after = null;
    try {
      while (true) {
        List<BlobInfo> page = blobs.list(after, PAGE);
        for (BlobInfo blob : page) {
          if (blob.lastModified().isBefore(cutoff) && !metadata.exists(blob.key()) && !livePart.test(blob.key())
              && blobs.delete(blob.key())) {
            deleted++;
            LOG.info("removed orphan blob {} ({} bytes, from {})", blob.key(), blob.size(), blob.lastModified());
          }
        }
        if (page.size() < PAGE) {
          return deleted;
        }
        after = page.get(page.size() - 1).key();
      }
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.UNAVAILABLE, "the blob store cannot be listed", e);
    }
  }
}
