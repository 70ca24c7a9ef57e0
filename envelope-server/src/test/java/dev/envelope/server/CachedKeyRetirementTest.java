package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.envelope.service.Download;
import dev.envelope.service.FileRecord;
import dev.envelope.service.FileService;
import dev.envelope.service.Principal;
import dev.envelope.service.Rewrap;
import dev.envelope.service.Role;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data-key cache against the key lifecycle over HTTP: a cached data key must not outlive the root key
 * version (or state) it was made under. The operator's documented retirement (rotate, rewrap, {@code keys usage}
 * shows the old version unused, destroy it) must never leave an acknowledged upload unreadable.
 */
class CachedKeyRetirementTest {
  private TestServer t;

  @BeforeEach
  void start() throws Exception {
    t = TestServer.withDataKeyCache("5m,100,10M");
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  @Test
  void anUploadAfterRotateRewrapAndDestroyVersion_isWrappedUnderTheCurrentVersion_andStaysReadable()
      throws Exception {
    String first = upload("before the rotation");
    assertEquals(FileRecord.FORMAT_SHARED_KEY, row(first).formatVersion());
    assertEquals(1, row(first).wrappedKey().rootKeyVersion());

    t.keyring.rotateKey("envelope-files");
    Rewrap.Summary moved = new Rewrap(t.files, t.keyring).run(Principal.localOperator(),
        new Rewrap.Options(null, false, 0), null);
    assertEquals(0, moved.failed());
    assertEquals(2, row(first).wrappedKey().rootKeyVersion());
    t.keyring.destroyKeyVersion("envelope-files", 1); // no stored row is under version 1 now

    String second = upload("after version 1 was destroyed");
    assertEquals(2, row(second).wrappedKey().rootKeyVersion(), "a cached key of a retired version was reused");
    // A node without this cache (another node, or this one restarted) reads it.
    FileService restarted = FileService.builder().keyService(t.keyring, "envelope-files").blobStore(t.blobs())
        .metadataStore(t.metadata()).tenantStore(t.stores.metadata()).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Download d = restarted.download(Principal.of("default", Role.READ), second)) {
      d.writeTo(out);
    }
    assertArrayEquals("after version 1 was destroyed".getBytes(StandardCharsets.UTF_8), out.toByteArray());
  }

  @Test
  void anUploadUnderADisabledRootKey_isRefused_asWithoutTheCache() throws Exception {
    upload("while the key is enabled");
    t.keyring.disableKey("envelope-files");
    HttpResponse<String> r = post("while it is disabled");
    assertNotEquals(201, r.statusCode(), r.body());
    assertEquals("key-disabled", Json.MAPPER.readTree(r.body()).get("code").asText(), r.body());
  }

  private FileRecord row(String id) throws Exception {
    return t.metadata().get("default", id).orElseThrow();
  }

  private String upload(String text) throws Exception {
    HttpResponse<String> r = post(text);
    assertEquals(201, r.statusCode(), r.body());
    JsonNode made = Json.MAPPER.readTree(r.body());
    return made.get("id").asText();
  }

  private HttpResponse<String> post(String text) throws Exception {
    return t.send(t.request("/v1/files?name=f.txt", t.writer)
        .POST(HttpRequest.BodyPublishers.ofString(text)).build());
  }
}
