package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContentDispositionTest {
  @Test
  void filenameStarIsPreferredOverFilename() {
    assertEquals("€ rates.txt",
        ContentDisposition.fileName("attachment; filename=\"EUR rates.txt\"; filename*=UTF-8''%e2%82%ac%20rates.txt"));
    assertEquals("€ rates.txt",
        ContentDisposition.fileName("attachment; filename*=UTF-8''%E2%82%AC%20rates.txt; filename=\"x\""));
  }

  @Test
  void quotedNamesMayHoldSemicolonsAndEscapes() {
    assertEquals("a;b\"c.txt", ContentDisposition.fileName("form-data; name=\"file\"; filename=\"a;b\\\"c.txt\""));
    assertEquals("plain.txt", ContentDisposition.fileName("attachment; filename=plain.txt"));
    assertEquals("latin é", ContentDisposition.fileName("attachment; filename*=iso-8859-1'en'latin%20%E9"));
  }

  @Test
  void noNameIsNull() {
    assertNull(ContentDisposition.fileName(null));
    assertNull(ContentDisposition.fileName("inline"));
    assertNull(ContentDisposition.fileName("form-data; name=\"file\""));
  }

  @ParameterizedTest
  @ValueSource(strings = {"attachment; filename=\"open", "attachment; filename*=UTF-8''%zz",
      "attachment; filename*=UTF-8''%C3", "attachment; filename*=KOI8-R''x", "attachment; filename*=nolang"})
  void malformedHeadersAreRefused(String header) {
    assertThrows(IllegalArgumentException.class, () -> ContentDisposition.fileName(header));
  }

  @Test
  void theDownloadHeaderKeepsOldClientsSafeAndNewOnesExact() {
    assertEquals("attachment; filename=\"_.txt\"; filename*=UTF-8''%D0%96.txt", ContentDisposition.attachment("Ж.txt"));
    assertEquals("attachment; filename=\"a_ _ b_\"; filename*=UTF-8''a%22%20%5C%20b%25",
        ContentDisposition.attachment("a\" \\ b%"));
  }

  @Test
  void aFormPartsFilenameKeepsBackslashes_whileAHeadersQuotedPairEscapes() {
    String header = "form-data; name=\"file\"; filename=\"C:\\Users\\me\\report.pdf\"";

    assertEquals("C:\\Users\\me\\report.pdf", ContentDisposition.formFileName(header));
    assertEquals("C:Usersmereport.pdf", ContentDisposition.fileName(header), "RFC 9110 quoted-pairs in a header");
  }

  @Test
  void aFormPartsFilenameDecodesWhatBrowsersEscape() {
    assertEquals("a\"b\r\nc", ContentDisposition.formFileName("form-data; name=\"file\"; filename=\"a%22b%0D%0Ac\""));
    assertEquals("ü.txt", ContentDisposition.formFileName(
        "form-data; name=\"file\"; filename=\"x\"; filename*=UTF-8''%C3%BC.txt"));
  }

  @Test
  void textAfterAQuotedString_orAParameterGivenTwice_isMalformed() {
    // "a\"b.txt" in a form part: the name ends at the second quote, and b.txt" would be silently dropped.
    assertThrows(IllegalArgumentException.class,
        () -> ContentDisposition.formFileName("form-data; name=\"file\"; filename=\"a\\\"b.txt\""));
    assertThrows(IllegalArgumentException.class,
        () -> ContentDisposition.fileName("attachment; filename=\"a.txt\"; filename=\"b.exe\""));
    assertEquals("a.txt", ContentDisposition.fileName("attachment; filename=\"a.txt\" ; size=3"));
  }
}
