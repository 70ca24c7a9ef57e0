package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.api.EnvelopeException;
import dev.envelope.service.FileNames;
import java.nio.charset.StandardCharsets;

/** Fuzz tests of {@code Content-Disposition} both ways ({@link ContentDisposition}; docs/FUZZING.md). */
class ContentDispositionFuzzTest {
  /**
   * {@link ContentDisposition#fileName} of a header value a client sent (and {@link ContentDisposition#parameters},
   * which the multipart parser uses). Documented refusal: {@link IllegalArgumentException}, which the server
   * answers with 400 {@code invalid-argument}.
   */
  @FuzzTest
  void fileName(byte[] input) {
    String header = new String(input, StandardCharsets.ISO_8859_1); // as Jetty hands over a header's bytes
    try {
      ContentDisposition.parameters(header);
      ContentDisposition.fileName(header);
    } catch (IllegalArgumentException e) {
      // refused
    }
  }

  /**
   * {@link ContentDisposition#attachment} of a file name (the input as UTF-8) that {@link FileNames#checkName}
   * accepts, as a download sends it: it is one line of printable ASCII, and {@link ContentDisposition#fileName}
   * reads the very same name back from it. Names {@code FileNames} refuses are never stored, so never sent.
   */
  @FuzzTest
  void attachment(byte[] input) {
    String name = new String(input, StandardCharsets.UTF_8);
    try {
      FileNames.checkName(name);
    } catch (EnvelopeException e) {
      return;
    }
    String header = ContentDisposition.attachment(name);
    assertFalse(header.chars().anyMatch(c -> c < 0x20 || c > 0x7e), header);
    assertEquals(name, ContentDisposition.fileName(header));
  }
}
