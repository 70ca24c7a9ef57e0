package dev.envelope.service;

import java.time.Instant;

/**
 * A committed blob as listed for maintenance.
 *
 * @param key the blob's key
 * @param size its size in bytes
 * @param lastModified when it was committed (as the store tells it; used for the orphan grace period)
 */
public record BlobInfo(String key, long size, Instant lastModified) {}
