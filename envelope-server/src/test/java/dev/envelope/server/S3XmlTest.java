package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Request bodies of the S3 API: parsed with no DTD and no entity, and a client's bad XML says nothing on stderr. */
class S3XmlTest {
  static org.w3c.dom.Document parse(String xml) {
    return S3Xml.parse(xml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void badAndHostileBodiesAreRefusedQuietly() {
    PrintStream err = System.err;
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    System.setErr(new PrintStream(seen, true, StandardCharsets.UTF_8));
    try {
      assertNull(parse(""));
      assertNull(parse("not xml at all"));
      assertNull(parse("<Delete><Object><Key>k</Key></Object>"));
      assertNull(parse("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Delete>&x;</Delete>"));
      assertNull(parse("<!DOCTYPE d [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><Delete>&b;</Delete>"));
    } finally {
      System.setErr(err);
    }
    assertEquals("", seen.toString(StandardCharsets.UTF_8), "nothing printed for a client's bad XML");
    assertNotNull(parse("<Delete><Object><Key>a&amp;b</Key></Object></Delete>"));
    assertEquals("a&b", parse("<Delete><Object><Key>a&amp;b</Key></Object></Delete>").getDocumentElement()
        .getTextContent());
  }

  @Test
  void answersEscapeEveryText() {
    String doc = new String(S3Xml.bare("Error").element("Message", "<a href=\"x\">&'\n").end("Error"),
        StandardCharsets.UTF_8);
    assertEquals("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Message>&lt;a href=&quot;x&quot;&gt;&amp;"
        + "&apos;&#10;</Message></Error>", doc);
  }
}
