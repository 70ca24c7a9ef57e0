package dev.envelope.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.xml.sax.SAXException;

/**
 * The XML of the S3 API: answers written element by element with every text escaped, and request bodies parsed
 * with no DTD, no external entity and no entity expansion (a DOCTYPE is refused outright).
 */
final class S3Xml {
  static final String NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
  static final String MEDIA_TYPE = "application/xml";

  private final StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

  /** A document whose root element is {@code root}, in S3's namespace. */
  static S3Xml document(String root) {
    S3Xml xml = new S3Xml();
    xml.out.append('<').append(root).append(" xmlns=\"").append(NAMESPACE).append("\">");
    return xml;
  }

  /** A document whose root has no namespace (S3's {@code Error}). */
  static S3Xml bare(String root) {
    S3Xml xml = new S3Xml();
    xml.out.append('<').append(root).append('>');
    return xml;
  }

  S3Xml open(String name) {
    out.append('<').append(name).append('>');
    return this;
  }

  S3Xml close(String name) {
    out.append("</").append(name).append('>');
    return this;
  }

  S3Xml element(String name, String text) {
    if (text != null) {
      out.append('<').append(name).append('>');
      escape(text);
      out.append("</").append(name).append('>');
    }
    return this;
  }

  S3Xml element(String name, long number) {
    return element(name, Long.toString(number));
  }

  S3Xml element(String name, boolean value) {
    return element(name, Boolean.toString(value));
  }

  S3Xml element(String name, Instant time) {
    return element(name, timestamp(time));
  }

  byte[] end(String root) {
    out.append("</").append(root).append('>');
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(java.time.ZoneOffset.UTC);

  /** S3's timestamp in listings: ISO 8601 with milliseconds, in UTC. */
  static String timestamp(Instant time) {
    return TIMESTAMP.format(time);
  }

  private void escape(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        case '\r' -> out.append("&#13;");
        case '\n' -> out.append("&#10;");
        case '\t' -> out.append("&#9;");
        default -> out.append(c);
      }
    }
  }

  /** Parses a request body; null if it is not well-formed XML (or declares a DTD). */
  static Document parse(byte[] body) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
      factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      factory.setNamespaceAware(true);
      DocumentBuilder builder = factory.newDocumentBuilder();
      // A parser left to its default handling may print a client's parse errors to the server's stderr: none is.
      builder.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
        @Override
        public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
          throw e;
        }
      });
      return builder.parse(new ByteArrayInputStream(body));
    } catch (ParserConfigurationException | SAXException | IOException e) {
      return null;
    }
  }
}
