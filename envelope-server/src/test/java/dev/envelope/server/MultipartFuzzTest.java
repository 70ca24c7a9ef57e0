package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzz tests of a {@code multipart/form-data} upload ({@link MultipartUpload}: Jetty's streaming parser under the
 * server's own rules; docs/FUZZING.md).
 */
class MultipartFuzzTest {
  /**
   * The input's first line is the {@code Content-Type} header, the rest the body; the {@code file} part is read
   * to its end, once from the body as it is and once from a body that delivers one byte per read. Documented
   * refusal: {@link MultipartUpload.MalformedException}, which the server answers with 400
   * {@code invalid-argument}. Both reads agree: the same name, type and content, or both refused.
   */
  // No CR or LF in entries: jazzer-junit 0.30 writes them unescaped into libFuzzer's one-entry-a-line file.
  @DictionaryEntries({"multipart/form-data; boundary=", "Content-Disposition: form-data; name=\"file\"",
      "; filename=\"", "; filename*=UTF-8''", "Content-Type: ", "--------------------------d74496d66958873e"})
  @FuzzTest
  void upload(byte[] input) {
    int newline = 0;
    while (newline < input.length && input[newline] != '\n') {
      newline++;
    }
    String contentType = new String(input, 0, newline, StandardCharsets.ISO_8859_1);
    byte[] body = Arrays.copyOfRange(input, Math.min(newline + 1, input.length), input.length);
    Result whole = read(contentType, new ByteArrayInputStream(body));
    Result byteByByte = read(contentType, new OneByteAtATime(body));
    assertEquals(whole.refused == null, byteByByte.refused == null, "refused whole: " + whole.refused
        + "; byte by byte: " + byteByByte.refused);
    assertEquals(whole.fileName, byteByByte.fileName);
    assertEquals(whole.contentType, byteByByte.contentType);
    assertArrayEquals(whole.content, byteByByte.content);
  }

  private static Result read(String contentType, InputStream body) {
    Result result = new Result();
    try {
      MultipartUpload upload = MultipartUpload.open(body, contentType, BodyLimits.DEFAULTS.formParts(),
          dev.envelope.http.HttpLimits.DEFAULT_MAX_HEADER_BYTES);
      result.fileName = upload.fileName();
      result.contentType = upload.contentType();
      result.content = upload.content().readAllBytes();
    } catch (MultipartUpload.MalformedException e) {
      result = new Result();
      result.refused = e.getMessage();
    } catch (IOException e) {
      throw new AssertionError("reading from memory failed", e);
    }
    return result;
  }

  private static final class Result {
    String refused;
    String fileName;
    String contentType;
    byte[] content;
  }

  private static final class OneByteAtATime extends InputStream {
    private final byte[] bytes;
    private int at;

    OneByteAtATime(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return at < bytes.length ? bytes[at++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int c = read();
      if (c < 0) {
        return -1;
      }
      b[off] = (byte) c;
      return 1;
    }
  }
}
