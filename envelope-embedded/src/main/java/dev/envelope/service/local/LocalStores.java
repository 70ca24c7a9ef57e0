package dev.envelope.service.local;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.internal.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The embedded stores of one Envelope home, opened and closed together: ciphertext in {@code <home>/blobs}
 * ({@link DirectoryBlobStore}), file rows and tokens in {@code <home>/envelope.db} ({@link
 * SqliteMetadataStore}). {@code envelope serve} and the {@code envelope tokens} commands open the same home.
 */
public final class LocalStores implements AutoCloseable {
  /** The blob directory, under the home. */
  public static final String BLOBS = "blobs";
  /** The SQLite file, under the home. */
  public static final String DATABASE = "envelope.db";

  private final DirectoryBlobStore blobs;
  private final SqliteMetadataStore metadata;

  private LocalStores(DirectoryBlobStore blobs, SqliteMetadataStore metadata) {
    this.blobs = blobs;
    this.metadata = metadata;
  }

  /**
   * Opens both stores under {@code home}, creating what is missing owner-only (directories 0700, the database
   * 0600).
   *
   * @throws EnvelopeException {@link ErrorCode#IO} if the home or the blob directory cannot be created or
   *     opened; the codes of {@link SqliteMetadataStore#open} for the database
   */
  public static LocalStores open(Path home) throws EnvelopeException {
    Path dir = home.toAbsolutePath().normalize();
    DirectoryBlobStore blobs = openBlobs(dir);
    try {
      return new LocalStores(blobs, SqliteMetadataStore.open(dir.resolve(DATABASE)));
    } catch (EnvelopeException | RuntimeException e) {
      blobs.close();
      throw e;
    }
  }

  /**
   * Opens (creating when missing, 0700) the blob directory under {@code home}, and refuses one that another user
   * owns or others may write: they could remove ciphertext, or plant files under the names uploads will use.
   *
   * @throws EnvelopeException {@link ErrorCode#INSECURE_FILE} for such a directory; {@link ErrorCode#IO} if it
   *     cannot be created or opened
   */
  public static DirectoryBlobStore openBlobs(Path home) throws EnvelopeException {
    Path dir = home.toAbsolutePath().normalize();
    DirectoryBlobStore blobs;
    try {
      PrivateFiles.createDirectories(dir);
      blobs = DirectoryBlobStore.open(dir.resolve(BLOBS));
    } catch (IOException e) {
      throw new EnvelopeException(ErrorCode.IO, "cannot open the blob directory under " + dir + ": " + e, e);
    }
    try {
      PrivateFiles.checkPrivateDirectory(dir.resolve(BLOBS), "blob directory");
      return blobs;
    } catch (EnvelopeException | IOException | RuntimeException e) {
      blobs.close();
      if (e instanceof EnvelopeException refused) {
        throw refused;
      }
      throw new EnvelopeException(ErrorCode.IO, "cannot look at the blob directory under " + dir + ": " + e, e);
    }
  }

  /** The ciphertext store. */
  public DirectoryBlobStore blobs() {
    return blobs;
  }

  /** The file rows; the same object as {@link #tokens()}. */
  public SqliteMetadataStore metadata() {
    return metadata;
  }

  /** The tokens; the same object as {@link #metadata()}. */
  public SqliteMetadataStore tokens() {
    return metadata;
  }

  /** The share links; the same object as {@link #metadata()}. */
  public SqliteMetadataStore links() {
    return metadata;
  }

  /** Closes both stores; pending metadata writes are finished first. */
  @Override
  public void close() {
    try {
      metadata.close();
    } finally {
      blobs.close();
    }
  }
}
