package dev.envelope.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void aPageIsReadAndUnknownMembersAreIgnored() throws Exception {
    FilePage page = Json.page(Json.parse(bytes("{\"files\":[{\"id\":\"a\",\"name\":\"n ü\",\"size\":3,"
        + "\"contentType\":\"text/plain\",\"createdAt\":\"2025-01-02T03:04:05.678Z\",\"future\":1}],"
        + "\"nextCursor\":\"c1\"}")));
    assertEquals(new FileInfo("a", "n ü", 3, "text/plain", Instant.parse("2025-01-02T03:04:05.678Z")),
        page.files().get(0));
    assertEquals(Optional.of("c1"), page.nextCursor());
    assertFalse(Json.page(Json.parse(bytes("{\"files\":[],\"nextCursor\":null}"))).nextCursor().isPresent());
  }

  @Test
  void aMissingOrMistypedMemberIsAnUnexpectedAnswer() {
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> Json.file(Json.parse(
        bytes("{\"id\":\"a\",\"name\":\"n\",\"size\":\"3\",\"contentType\":\"t\",\"createdAt\":\"2025-01-01T00:00:00Z\"}"))));
    assertEquals(ErrorCode.INTERNAL, e.code());
    assertTrue(e.getMessage().contains("size"), e.getMessage());
    assertThrows(EnvelopeClientException.class, () -> Json.parse(bytes("<html>")));
    assertThrows(EnvelopeClientException.class, () -> Json.page(Json.parse(bytes("{}"))));
  }

  @Test
  void aNewTokenKeepsItsTextOutOfToString() throws Exception {
    NewToken token = Json.newToken(Json.parse(bytes("{\"id\":\"abc\",\"tenant\":\"t\",\"role\":\"read\","
        + "\"name\":\"ci\",\"createdAt\":\"2025-01-01T00:00:00Z\",\"token\":\"env1.abc.SECRET\"}")));
    assertEquals("env1.abc.SECRET", token.token());
    assertFalse(token.toString().contains("SECRET"), token.toString());
    assertEquals(Optional.empty(), token.info().revokedAt());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
