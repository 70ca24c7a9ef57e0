package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.Download;
import dev.envelope.service.FileService;
import dev.envelope.service.MetadataStore;
import dev.envelope.service.Principal;
import dev.envelope.service.Rewrap;
import dev.envelope.service.Role;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An upload still streaming while the operator retires the key version it was wrapped under (rotate, rewrap,
 * {@code keys destroy-version} once {@code keys usage} shows the version unused): its row did not exist when the
 * rewrap ran. It must either end up under a living version or not be acknowledged; never a 201 for a file that is
 * unreadable from the start.
 */
class UploadAcrossKeyRetirementTest {
  private TestServer t;

  @BeforeEach
  void start() throws Exception {
    t = TestServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  /** Rotated and re-wrapped while it streamed: the upload lands under the current version, as rewrap promised. */
  @Test
  void anUploadStreamingAcrossRotateAndRewrap_isStoredUnderTheCurrentVersion() throws Exception {
    long size = 8L << 20;
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> new RoundTripTest
        .GeneratedStream(size, sha256()).pauseAt(size / 2, () -> {
          RoundTripTest.awaitBlobFileOf(t, size / 8);
          try {
            t.keyring.rotateKey("envelope-files");
            new Rewrap(t.files, t.keyring).run(Principal.localOperator(), new Rewrap.Options(null, false, 0), null);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
    HttpResponse<String> r = t.send(t.request("/v1/files?name=big.bin", t.writer).POST(body).build());
    assertEquals(201, r.statusCode(), r.body());
    String id = Json.MAPPER.readTree(r.body()).get("id").asText();
    assertEquals(2, t.metadata().get("default", id).orElseThrow().wrappedKey().rootKeyVersion(),
        "version 1 still wraps a file after the rewrap: 'keys usage' would lie");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anUploadStreamingWhileItsKeyVersionIsRetired_isNeverAcknowledgedUnreadable() throws Exception {
    long size = 8L << 20;
    List<String> steps = new ArrayList<>();
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> new RoundTripTest
        .GeneratedStream(size, sent).pauseAt(size / 2, () -> {
          RoundTripTest.awaitBlobFileOf(t, size / 8); // under way: wrapped under version 1
          try {
            t.keyring.rotateKey("envelope-files");
            Rewrap.Summary s = new Rewrap(t.files, t.keyring).run(Principal.localOperator(),
                new Rewrap.Options(null, false, 0), null);
            steps.add("rewrap failed " + s.failed());
            boolean unused = t.metadata().scan(null, null, MetadataStore.MAX_PAGE).files().stream()
                .noneMatch(f -> f.wrappedKey().rootKeyVersion() == 1);
            steps.add("version 1 unused " + unused);
            t.keyring.destroyKeyVersion("envelope-files", 1);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
    HttpResponse<String> r = t.send(t.request("/v1/files?name=big.bin", t.writer).POST(body).build());
    assertEquals(List.of("rewrap failed 0", "version 1 unused true"), steps);

    if (r.statusCode() != 201) {
      assertTrue(t.metadata().scan(null, null, MetadataStore.MAX_PAGE).files().isEmpty(),
          "a refused upload left its row: " + r.body());
      return;
    }
    String id = Json.MAPPER.readTree(r.body()).get("id").asText();
    FileService fresh = FileService.builder().keyService(t.keyring, "envelope-files").blobStore(t.blobs())
        .metadataStore(t.metadata()).tenantStore(t.stores.metadata()).segmentSize(TestServer.SEGMENT).build();
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    try (Download d = fresh.download(Principal.of("default", Role.READ), id);
        java.security.DigestOutputStream out = new java.security.DigestOutputStream(
            java.io.OutputStream.nullOutputStream(), received)) {
      d.writeTo(out);
    } catch (dev.envelope.api.EnvelopeException e) {
      throw new AssertionError("acknowledged with 201, but unreadable: " + e.code().id() + ": " + e.getMessage(), e);
    }
    assertArrayEquals(sent.digest(), received.digest());
  }
}
