package dev.envelope.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The soak's way to the nodes' API: a request with the token to node 0 or 1 (by index, so that a node killed
 * and started again on its port is the same node), and what every operation does with a 404.
 */
final class SoakApi {
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(180);

  final SoakLedger ledger;
  final HttpClient http;
  private final List<String> urls;
  private final String token;

  SoakApi(SoakLedger ledger, HttpClient http, List<String> urls, String token) {
    this.ledger = ledger;
    this.http = http;
    this.urls = urls;
    this.token = token;
  }

  HttpRequest.Builder request(int node, String path) {
    return HttpRequest.newBuilder(URI.create(urls.get(node) + path)).header("Authorization", "Bearer " + token)
        .timeout(REQUEST_TIMEOUT);
  }

  /** A 404 for a file being deleted (or deleted) by another worker is the right answer; counted, not a finding. */
  boolean notFoundIfDeleted(String op, SoakLedger.Upload u, int status) {
    if (status == 404 && u.state != SoakLedger.State.ACKED) {
      ledger.count(op, "404: deleted meanwhile");
      return true;
    }
    if (status == 404) {
      ledger.finding(op + " of an acknowledged upload (not deleted) answered 404: " + u);
      ledger.count(op, "404");
      return true;
    }
    return false;
  }

  static String drain(InputStream body) {
    try (body) {
      return new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(body unreadable: " + e + ")";
    }
  }
}
