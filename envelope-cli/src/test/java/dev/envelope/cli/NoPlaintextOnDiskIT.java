package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.core.testing.PlaintextScan;
import dev.envelope.keyring.Keyrings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No plaintext byte on disk (invariant 4) through the real processes, on the embedded stores: {@code envelope
 * serve} (its own {@code java.io.tmpdir} and {@code TMPDIR}) takes a raw upload, a short one and a
 * {@code multipart/form-data} one over HTTP, {@code envelope upload -} sends it another from stdin, and
 * {@code envelope encrypt - FILE} encrypts one more from stdin; everything is downloaded (or decrypted) back to
 * stdout. Then every file under the test's directory (the server's home: {@code blobs/}, {@code envelope.db} and
 * its {@code -wal} and {@code -shm}, the keyring; both processes' temporary directories; the encrypted file;
 * the server's log) is scanned for each plaintext, raw, hex or base64: while the server runs and after it has
 * stopped. No plaintext ever was a file on the test's side either: it travels through sockets and pipes only.
 * The scan must find each upload's name (stored in the clear by design) in {@code envelope.db*}, or a clean scan
 * would prove nothing. The scale-out stores have the same test in {@link MultiNodeIT}.
 */
class NoPlaintextOnDiskIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BOUNDARY = "----envelope-plaintext-scan";

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Each plaintext by what it went through. */
  private final Map<String, byte[]> plaintexts = new LinkedHashMap<>();
  /** The name of each upload, stored in the clear. */
  private final List<String> names = new ArrayList<>();

  @Test
  void uploadsDownloadsAndEncryption_leaveNoPlaintextInAnyFileOfTheServerOrTheCommandLine() throws Exception {
    Path home = dir.resolve("home");
    Path serverTmp = Files.createDirectories(dir.resolve("server-tmp"));
    Path cliTmp = Files.createDirectories(dir.resolve("cli-tmp"));
    Path cliHome = dir.resolve("cli-home");
    ServeProcess server = ServeProcess.start(home, Keyrings.newMasterKeyBase64(), dir,
        List.of("-Xmx128m", "-Djava.io.tmpdir=" + serverTmp, "-XX:-UsePerfData"), Map.of("TMPDIR", serverTmp.toString()));
    Map<String, String> client = Map.of("ENVELOPE_SERVER", server.url(), "ENVELOPE_TOKEN", server.firstToken()
        .orElseThrow(() -> new AssertionError("no first token: " + server.stdout())), "TMPDIR", cliTmp.toString());
    Map<String, String> local = Map.of("ENVELOPE_HOME", cliHome.toString(),
        "ENVELOPE_MASTER_KEY", Keyrings.newMasterKeyBase64(), "TMPDIR", cliTmp.toString());
    Map<String, String> ids = new LinkedHashMap<>();
    try {
      ids.put("a raw upload", rawUpload(server, client.get("ENVELOPE_TOKEN"), "a raw upload",
          PlaintextScan.repeatedMarker(1 << 20)));
      ids.put("a short upload", rawUpload(server, client.get("ENVELOPE_TOKEN"), "a short upload", random(33)));
      ids.put("a multipart upload", multipartUpload(server, client.get("ENVELOPE_TOKEN"),
          PlaintextScan.repeatedMarker(1 << 20)));
      byte[] viaCli = PlaintextScan.repeatedMarker(1 << 20);
      String cliName = name();
      ids.put("envelope upload", run(client, cliTmp, viaCli, "upload", "-", "--name", cliName).strip());
      remember("envelope upload", viaCli, cliName);
      byte[] encrypted = PlaintextScan.repeatedMarker(1 << 20);
      plaintexts.put("envelope encrypt", encrypted);
      run(local, cliTmp, new byte[0], "keys", "create", "--alias", "scan");
      Path envelopeFile = dir.resolve("encrypted.env");
      run(local, cliTmp, encrypted, "encrypt", "--key", "scan", "--context", "app=scan", "-", envelopeFile.toString());
      assertTrue(Files.size(envelopeFile) > encrypted.length);

      assertNoPlaintext(home, "after the uploads");
      // The server's temporary directory is really its own: sqlite-jdbc unpacked its library there (and removes
      // it when the server exits).
      try (Stream<Path> files = Files.list(serverTmp)) {
        assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith("libsqlitejdbc.so")), serverTmp.toString());
      }

      for (Map.Entry<String, String> upload : ids.entrySet()) {
        byte[] back = run(client, cliTmp, new byte[0], "download", upload.getValue()).getBytes(StandardCharsets.ISO_8859_1);
        assertArrayEquals(plaintexts.get(upload.getKey()), back, upload.getKey() + " downloaded by envelope download");
        HttpResponse<byte[]> down = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/files/"
            + upload.getValue())).header("Authorization", "Bearer " + client.get("ENVELOPE_TOKEN")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(plaintexts.get(upload.getKey()), down.body(), upload.getKey() + " downloaded over HTTP");
      }
      byte[] decrypted = run(local, cliTmp, new byte[0], "decrypt", "--context", "app=scan",
          envelopeFile.toString(), "-").getBytes(StandardCharsets.ISO_8859_1);
      assertArrayEquals(encrypted, decrypted);

      assertNoPlaintext(home, "after the downloads and the decryption");
    } finally {
      server.process().destroy();
      assertTrue(server.process().waitFor(30, TimeUnit.SECONDS));
    }
    assertNoPlaintext(home, "after the server stopped");
  }

  private void assertNoPlaintext(Path home, String when) throws IOException {
    PlaintextScan scan = PlaintextScan.create();
    plaintexts.forEach(scan::plaintext);
    names.forEach(name -> scan.verbatim(name, name.getBytes(StandardCharsets.UTF_8)));
    PlaintextScan.Result found = scan.scan(List.of(dir));

    for (String label : plaintexts.keySet()) {
      assertEquals(List.of(), found.of(label), label + ", " + when);
    }
    long blobBytes;
    try (Stream<Path> blobs = Files.walk(home.resolve("blobs"))) {
      blobBytes = blobs.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    assertTrue(found.bytesUnder().get(dir) > blobBytes && blobBytes >= 3L << 20,
        "the scan read " + found.bytesUnder() + ", the blobs hold " + blobBytes + " bytes");
    for (String name : names) {
      assertTrue(found.of(name).stream().anyMatch(hit -> hit.file().getParent().equals(home)
          && hit.file().getFileName().toString().startsWith("envelope.db")),
          "the scan did not find the row of " + name + " in envelope.db*, " + when + ": " + found.of(name));
    }
  }

  private String rawUpload(ServeProcess server, String token, String label, byte[] content) throws Exception {
    String name = name();
    remember(label, content, name);
    HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/files?name=" + name))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, up.statusCode(), up.body());
    return JSON.readTree(up.body()).get("id").asText();
  }

  private String multipartUpload(ServeProcess server, String token, byte[] content) throws Exception {
    String name = name();
    remember("a multipart upload", content, name);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(content);
    body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/files"))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, up.statusCode(), up.body());
    return JSON.readTree(up.body()).get("id").asText();
  }

  private void remember(String label, byte[] content, String name) {
    plaintexts.put(label, content);
    names.add(name);
  }

  /** {@link EnvelopeJar#run}, its stdout as ISO-8859-1 (byte for byte). */
  private static String run(Map<String, String> env, Path tmp, byte[] stdin, String... args) throws Exception {
    return new String(EnvelopeJar.run(env, tmp, stdin, args), StandardCharsets.ISO_8859_1);
  }

  private static String name() {
    return "file-" + HexFormat.of().formatHex(random(8)) + ".bin";
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
