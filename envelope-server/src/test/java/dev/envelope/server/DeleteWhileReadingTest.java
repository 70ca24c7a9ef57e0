package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import dev.envelope.service.Principal;
import dev.envelope.service.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A download and a delete of the same file at the same moment (the soak met it): the delete removes the row, then
 * the blob, between the download's opening of the file and its first read of the blob. The file is gone: 404, as
 * if the delete had come first; not a 503 (nothing is down) nor a 500 (nothing is damaged).
 */
class DeleteWhileReadingTest {
  private static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  @Test
  void aFileDeletedAfterItsDownloadOpened_is404() throws Exception {
    String id = RoundTripTest.upload(t, "f.bin", RoundTripTest.random(50_000, 1)).get("id").asText();
    t.interleaving.beforeNextRead(() -> t.files.delete(Principal.of("default", Role.WRITE), id));

    HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.reader).build());

    assertEquals(404, r.statusCode(), r.body());
    assertEquals("not-found", Json.MAPPER.readTree(r.body()).get("code").asText());
  }

  @Test
  void aFileDeletedAfterItsRangeReadOpened_is404() throws Exception {
    String id = RoundTripTest.upload(t, "f.bin", RoundTripTest.random(50_000, 2)).get("id").asText();
    t.interleaving.beforeNextRead(() -> t.files.delete(Principal.of("default", Role.WRITE), id));

    HttpResponse<String> r = t.send(t.request("/v1/files/" + id, t.reader).header("Range", "bytes=20000-20099")
        .build());

    assertEquals(404, r.statusCode(), r.body());
    assertEquals("not-found", Json.MAPPER.readTree(r.body()).get("code").asText());
  }
}
