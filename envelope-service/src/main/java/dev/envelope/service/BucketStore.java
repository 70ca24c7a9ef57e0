package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the S3 API keeps beside the file rows, in the same database, so that every node of a cluster knows it: S3
 * credentials (sealed), buckets, and the object index (bucket and key to file).
 * Failures to reach the store are {@link dev.envelope.api.ErrorCode#UNAVAILABLE}. Every implementation passes
 * {@code BucketStoreContract} (test-jar).
 *
 * <p>Keys are ordered as S3 orders them: by the bytes of their UTF-8 encoding (SQLite's BINARY collation,
 * PostgreSQL's {@code COLLATE "C"}, DynamoDB's string sort keys).
 */
public interface BucketStore {
  // S3 credentials

  /** Stores a new credential; {@link dev.envelope.api.ErrorCode#ALREADY_EXISTS} if the id is taken. */
  void insertS3Credential(S3CredentialRecord credential) throws EnvelopeException;

  /** The credential with that access key id, whatever its state. */
  Optional<S3CredentialRecord> findS3Credential(String accessKeyId) throws EnvelopeException;

  /** The credentials of one tenant, or of every tenant when {@code tenant} is null, oldest first. */
  List<S3CredentialRecord> listS3Credentials(String tenant) throws EnvelopeException;

  /** Marks a credential revoked; false if there is none. A second revoke keeps the first time and returns true. */
  boolean revokeS3Credential(String accessKeyId, Instant at) throws EnvelopeException;

  // Buckets

  /** Stores a new bucket; {@link dev.envelope.api.ErrorCode#ALREADY_EXISTS} if the name is taken by any tenant. */
  void insertBucket(BucketRecord bucket) throws EnvelopeException;

  Optional<BucketRecord> findBucket(String name) throws EnvelopeException;

  /**
   * The buckets of one tenant, or of every tenant when {@code tenant} is null (what a migration copies), by name.
   */
  List<BucketRecord> listBuckets(String tenant) throws EnvelopeException;

  /**
   * Removes an empty bucket: false if there is no such bucket, {@link dev.envelope.api.ErrorCode#CONFLICT} if it
   * holds an object or a multipart upload. Atomic against {@link #putObject} and {@link #insertUpload}: a racing put
   * or upload either lands first (and the delete fails with CONFLICT) or fails with NOT_FOUND; no object or upload
   * ever outlives its bucket.
   */
  boolean deleteBucket(String name) throws EnvelopeException;

  // The object index

  Optional<ObjectRecord> findObject(String bucket, String key) throws EnvelopeException;

  /**
   * Makes {@code object} the bucket's object at its key, replacing any there. {@link
   * dev.envelope.api.ErrorCode#NOT_FOUND} if the bucket does not exist (see {@link #deleteBucket}). Returns the row
   * it replaced, whose file the caller deletes.
   */
  Optional<ObjectRecord> putObject(ObjectRecord object) throws EnvelopeException;

  /**
   * Removes the object at {@code bucket}/{@code key} if it still names {@code fileId}; false if it does not (gone,
   * or replaced meanwhile).
   */
  boolean deleteObject(String bucket, String key, String fileId) throws EnvelopeException;

  /**
   * Up to {@code limit} objects of a bucket whose keys start with {@code prefix} (empty: all) and sort strictly
   * after {@code startAfter} (empty: from the first), in key order.
   */
  List<ObjectRecord> listObjects(String bucket, String prefix, String startAfter, int limit) throws EnvelopeException;

  /** The object whose content is file {@code fileId} of {@code tenant}, if that file is an object. */
  Optional<ObjectRecord> findObjectByFile(String tenant, String fileId) throws EnvelopeException;

  // Multipart uploads. An upload's id is the id its completed file will have; its parts keep that id after it
  // completes: they are the file's content, in the order its object's {@link ObjectRecord#parts()} gives.

  /** Stores a new upload; NOT_FOUND if its bucket does not exist (atomic as {@link #putObject}). */
  default void insertUpload(UploadRecord upload) throws EnvelopeException {
    throw noMultipart();
  }

  /** The upload, read consistently (a node that just started it, or another, finds it). */
  default Optional<UploadRecord> findUpload(String uploadId) throws EnvelopeException {
    throw noMultipart();
  }

  /**
   * Up to {@code limit} uploads of a bucket whose keys start with {@code prefix}, ordered by key then upload id,
   * after ({@code keyMarker}, {@code uploadIdMarker}) as S3 takes them: the uploads of keys after {@code keyMarker}
   * and, only when {@code uploadIdMarker} is not empty, first those of {@code keyMarker} itself whose ids come after
   * it (so the last upload of a page, as both markers, gives the next page); empty strings: from the first. May lag
   * a moment behind writes on stores whose listings are eventually consistent (DynamoDB).
   */
  default List<UploadRecord> listUploads(String bucket, String prefix, String keyMarker, String uploadIdMarker, int limit)
      throws EnvelopeException {
    throw noMultipart();
  }

  /** Uploads of any bucket started before {@code before}, up to {@code limit}, in no particular order: for expiry. */
  default List<UploadRecord> listUploadsStartedBefore(Instant before, int limit) throws EnvelopeException {
    throw noMultipart();
  }

  /** Removes an upload's row (its parts stay: the caller deletes them, or they became its file's); false if none. */
  default boolean deleteUpload(String uploadId) throws EnvelopeException {
    throw noMultipart();
  }

  /**
   * Records a part, replacing an earlier one of the same number; returns the part it replaced, whose blob the caller
   * deletes. NOT_FOUND if the upload's row is gone (completed or aborted).
   */
  default Optional<PartRecord> putPart(PartRecord part) throws EnvelopeException {
    throw noMultipart();
  }

  /** One part, read consistently. */
  default Optional<PartRecord> findPart(String uploadId, int partNumber) throws EnvelopeException {
    throw noMultipart();
  }

  /**
   * The parts of an upload with numbers above {@code afterPartNumber}, in number order, up to {@code limit}. May lag
   * a moment behind writes on stores whose listings are eventually consistent (DynamoDB).
   */
  default List<PartRecord> listParts(String uploadId, int afterPartNumber, int limit) throws EnvelopeException {
    throw noMultipart();
  }

  /** Removes a part's row if it still names {@code blobId}; false if not. */
  default boolean deletePart(String uploadId, int partNumber, String blobId) throws EnvelopeException {
    throw noMultipart();
  }

  /** What a store that does not keep multipart uploads answers (none of Envelope's: a test's or an older one's). */
  private static EnvelopeException noMultipart() {
    return new EnvelopeException(dev.envelope.api.ErrorCode.UNAVAILABLE,
        "this metadata store does not keep multipart uploads");
  }
}
