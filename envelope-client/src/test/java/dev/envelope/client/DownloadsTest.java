package dev.envelope.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.envelope.api.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

class DownloadsTest {
  @Test
  void aBodyThatEndsQuietlyBeforeItsLengthIsNotComplete() {
    // Should any layer ever end a cut response as a clean end of stream, the count still catches it.
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> Downloads.copy("f",
        new ByteArrayInputStream(new byte[3]), new ByteArrayOutputStream(), 10, TransferListener.NONE));
    assertEquals(ErrorCode.IO, e.code());
    assertEquals("the download of f ended after 3 of 10 bytes: what arrived is incomplete", e.getMessage());
  }

  @Test
  void aBodyOfUnknownLengthIsCopiedWhole() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(200_000, Downloads.copy("f", new ByteArrayInputStream(new byte[200_000]), out, -1,
        TransferListener.NONE));
    assertEquals(200_000, out.size());
  }

  @Test
  void aFailingDestinationIsAnIoErrorOfTheClient() {
    OutputStream full = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("No space left on device");
      }
    };
    EnvelopeClientException e = assertThrows(EnvelopeClientException.class, () -> Downloads.copy("f",
        new ByteArrayInputStream(new byte[3]), full, 3, TransferListener.NONE));
    assertEquals("cannot write the download: No space left on device", e.getMessage());
  }
}
