package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.service.BlobWriter;
import dev.envelope.service.FileRecord;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Security invariant 5 over HTTP: a tampered file is never delivered as a complete response. Tampering goes
 * through the store seams, so the test holds for any store.
 */
class IntegrityTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  private static void flipByte(String id, long at) throws IOException {
    byte[] blob;
    try (InputStream in = t.blobs().read(id, 0, Long.MAX_VALUE)) {
      blob = in.readAllBytes();
    }
    blob[(int) at] ^= 0x01;
    t.blobs().delete(id);
    try (BlobWriter writer = t.blobs().create(id)) {
      writer.write(blob);
      writer.commit();
    }
  }

  @Test
  void aFlippedByteLateInTheBlobAbortsTheDownloadAfterItsStart() throws Exception {
    byte[] content = RoundTripTest.random(400_000, 11);
    String id = RoundTripTest.upload(t, "victim", content).get("id").asText();
    flipByte(id, t.blobs().size(id) - 100);

    HttpResponse<InputStream> r = t.http.send(t.request("/v1/files/" + id, t.reader).build(),
        HttpResponse.BodyHandlers.ofInputStream());

    assertEquals(200, r.statusCode(), "the status went out before the bad segment was reached");
    assertThrows(IOException.class, () -> {
      try (InputStream in = r.body()) {
        in.readAllBytes();
      }
    }, "the client sees the response cut short, never a clean end");
  }

  @Test
  void aFlippedByteInTheFirstSegmentAlsoNeverGivesAComplete200() throws Exception {
    String id = RoundTripTest.upload(t, "small", RoundTripTest.random(3000, 12)).get("id").asText();
    flipByte(id, 50);

    try {
      HttpResponse<byte[]> r = t.sendBytes(t.request("/v1/files/" + id, t.reader).build());
      assertEquals(500, r.statusCode());
      assertEquals("invalid-ciphertext", Json.MAPPER.readTree(r.body()).get("code").asText());
    } catch (IOException cutShort) {
      // Also acceptable: the connection was closed under the response.
    }
  }

  @Test
  void aTamperedRangeIsAbortedToo() throws Exception {
    String id = RoundTripTest.upload(t, "ranged", RoundTripTest.random(100_000, 13)).get("id").asText();
    flipByte(id, 60_000);

    assertThrows(IOException.class, () -> {
      HttpResponse<byte[]> r = t.sendBytes(t.request("/v1/files/" + id, t.reader).header("Range", "bytes=0-99999")
          .build());
      assertTrue(r.statusCode() >= 500, "if an answer arrives at all it is an error");
      throw new IOException("answered " + r.statusCode());
    });
  }

  @Test
  void swappedWrappedKeysFailBeforeAnyByte() throws Exception {
    String a = RoundTripTest.upload(t, "a", RoundTripTest.random(10_000, 14)).get("id").asText();
    String b = RoundTripTest.upload(t, "b", RoundTripTest.random(10_000, 15)).get("id").asText();
    FileRecord ra = t.metadata().get("default", a).orElseThrow();
    FileRecord rb = t.metadata().get("default", b).orElseThrow();
    t.metadata().delete("default", a);
    t.metadata().delete("default", b);
    t.metadata().insert(withKey(ra, rb));
    t.metadata().insert(withKey(rb, ra));

    for (String id : new String[] {a, b}) {
      HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.reader).build());
      assertEquals(500, r.statusCode());
      assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
      assertEquals("invalid-wrapped-key", Json.MAPPER.readTree(r.body()).get("code").asText());
    }
  }

  private static FileRecord withKey(FileRecord row, FileRecord keyFrom) {
    return new FileRecord(row.id(), row.tenant(), row.name(), row.contentType(), row.size(), row.createdAt(),
        row.keyService(), keyFrom.wrappedKey(), row.formatVersion(), row.segmentSize());
  }

  private static void truncate(String id, long by) throws IOException {
    byte[] blob;
    try (InputStream in = t.blobs().read(id, 0, Long.MAX_VALUE)) {
      blob = in.readAllBytes();
    }
    t.blobs().delete(id);
    try (BlobWriter writer = t.blobs().create(id)) {
      writer.write(blob, 0, (int) (blob.length - by));
      writer.commit();
    }
  }

  @Test
  void headOnAMissingOrCutBlob_isAnIntegrityFailure_notA200FromTheRow() throws Exception {
    String cut = RoundTripTest.upload(t, "cut", RoundTripTest.random(10_000, 21)).get("id").asText();
    String gone = RoundTripTest.upload(t, "gone", RoundTripTest.random(10_000, 22)).get("id").asText();
    String whole = RoundTripTest.upload(t, "whole", RoundTripTest.random(10_000, 23)).get("id").asText();
    truncate(cut, 1);
    t.blobs().delete(gone);

    for (String id : new String[] {cut, gone}) {
      HttpResponse<String> head = t.send(t.request("/v1/files/" + id, t.reader)
          .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(500, head.statusCode(), id);
      assertEquals("application/problem+json", head.headers().firstValue("Content-Type").orElseThrow());
    }
    HttpResponse<String> ok = t.send(t.request("/v1/files/" + whole, t.reader)
        .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(200, ok.statusCode());
    assertEquals("10000", ok.headers().firstValue("Content-Length").orElseThrow());
  }
}
