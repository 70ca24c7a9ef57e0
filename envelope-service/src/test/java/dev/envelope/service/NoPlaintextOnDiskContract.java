package dev.envelope.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.testing.PlaintextScan;
import dev.envelope.keyring.Keyrings;
import dev.envelope.keyring.LocalKeyring;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No plaintext byte on disk (invariant 4), at the service level, for a pair of stores whose files can be read
 * here: after the upload of a random marker repeated over many segments and of a short file, then their
 * download and a range read, no file where the stores and the local keyring keep their data holds either
 * plaintext, raw or as hex or base64 ({@link PlaintextScan}), neither while the stores are open nor after they
 * are closed. A clean scan must mean something: it must have read at least as many bytes as the big file where
 * the blobs live, and find each file's name (stored in the clear by design) where the rows live.
 *
 * <p>Each store's module extends this class with its stand-in. The temporary directories of a real server and
 * of the command line are scanned by envelope-cli's process tests (this JVM's is shared by every test in it).
 */
public abstract class NoPlaintextOnDiskContract {
  private static final Principal WRITER = Principal.of("acme", Role.WRITE);

  @TempDir
  Path keyringHome;

  /** Opens the blob store under test; the contract closes it. */
  protected abstract BlobStore openBlobStore() throws Exception;

  /** Opens the metadata store under test; the contract closes it. */
  protected abstract MetadataStore openMetadataStore() throws Exception;

  /** Where the blob store keeps its objects on this machine (a directory or files). */
  protected abstract List<Path> blobFiles();

  /** Where the metadata store keeps its rows on this machine (a directory or files). */
  protected abstract List<Path> rowFiles();

  /** Makes the stores' latest writes reach their files (a database checkpoint); nothing by default. */
  protected void flush() throws Exception {}

  /** The size of the big file: 300 kB by default, over 70 segments of 4 KiB. */
  protected int bigFileSize() {
    return 300_000;
  }

  @Test
  void uploadsAndDownloads_leaveNoPlaintextWhereTheStoresKeepTheirData() throws Exception {
    byte[] big = PlaintextScan.repeatedMarker(bigFileSize());
    byte[] small = random(33);
    String bigName = "big-" + HexFormat.of().formatHex(random(8)) + ".bin";
    String smallName = "small-" + HexFormat.of().formatHex(random(8)) + ".txt";
    ManagedKeyService keyring = Keyrings.open(keyringHome, Keyrings.newMasterKeyBase64());
    String rootKey = keyring.createKey("files").id();
    BlobStore blobs = openBlobStore();
    MetadataStore metadata = openMetadataStore();
    try {
      FileService service = FileService.builder().keyService(keyring, rootKey).blobStore(blobs)
          .metadataStore(metadata).segmentSize(4096).build();
      String bigId = service.upload(WRITER, bigName, null, new ByteArrayInputStream(big)).id();
      String smallId = service.upload(WRITER, smallName, "text/plain", new ByteArrayInputStream(small)).id();
      flush();
      assertNoPlaintext(big, small, bigName, smallName);

      assertArrayEquals(big, download(service, bigId, 0, big.length));
      assertArrayEquals(small, download(service, smallId, 0, small.length));
      assertArrayEquals(Arrays.copyOfRange(big, 100_000, 150_000), download(service, bigId, 100_000, 50_000));
    } finally {
      metadata.close();
      blobs.close();
    }
    flush();
    assertNoPlaintext(big, small, bigName, smallName);
  }

  private void assertNoPlaintext(byte[] big, byte[] small, String bigName, String smallName) throws Exception {
    List<Path> roots = new ArrayList<>(blobFiles());
    roots.addAll(rowFiles());
    roots.add(keyringHome);
    PlaintextScan.Result found = PlaintextScan.create()
        .plaintext("the big file", big).plaintext("the short file", small)
        .verbatim("the big file's name", bigName.getBytes(StandardCharsets.UTF_8))
        .verbatim("the short file's name", smallName.getBytes(StandardCharsets.UTF_8))
        .scan(roots);

    assertEquals(List.of(), found.of("the big file"));
    assertEquals(List.of(), found.of("the short file"));
    long blobBytes = blobFiles().stream().mapToLong(found.bytesUnder()::get).sum();
    assertTrue(blobBytes >= big.length, "the scan read " + blobBytes + " bytes under " + blobFiles()
        + ", less than the big file's ciphertext");
    for (String label : List.of("the big file's name", "the short file's name")) {
      assertTrue(found.of(label).stream().anyMatch(hit -> rowFiles().stream().anyMatch(hit.file()::startsWith)),
          "the scan did not find " + label + " under " + rowFiles() + ": a clean scan there would prove nothing");
    }
    assertTrue(found.bytesUnder().get(keyringHome) > 0, "the scan read nothing of the keyring");
  }

  private static byte[] download(FileService service, String id, long offset, long length) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download download = service.download(WRITER, id)) {
      download.writeRange(out, offset, length);
    }
    return out.toByteArray();
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
