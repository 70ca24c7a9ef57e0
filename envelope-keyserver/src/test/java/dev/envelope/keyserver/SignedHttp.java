package dev.envelope.keyserver;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/**
 * Hand-made KMS requests, for what the SDK will not send: bad bodies, odd signatures, another clock. They are
 * signed by the SDK's deprecated {@link Aws4Signer}, the test oracle for the server's own verifier, and sent
 * with the JDK's HTTP client, so the SDK's JVM-wide clock correction is never involved.
 */
final class SignedHttp {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  record Response(int status, String body, Map<String, List<String>> headers) {}

  private SignedHttp() {}

  /** A request signed as the AWS CLI signs (content-type, host, x-amz-date, x-amz-target). */
  static SdkHttpFullRequest sign(URI endpoint, String target, byte[] body, String accessKeyId, String secret,
      Clock clock) {
    SdkHttpFullRequest unsigned = SdkHttpFullRequest.builder()
        .method(SdkHttpMethod.POST)
        .uri(endpoint)
        .encodedPath("/")
        .putHeader("Content-Type", "application/x-amz-json-1.1")
        .putHeader("X-Amz-Target", target)
        .contentStreamProvider(() -> new java.io.ByteArrayInputStream(body))
        .build();
    Aws4SignerParams params = Aws4SignerParams.builder()
        .awsCredentials(AwsBasicCredentials.create(accessKeyId, secret))
        .signingName("kms")
        .signingRegion(Region.US_EAST_1)
        .signingClockOverride(clock)
        .build();
    return Aws4Signer.create().sign(unsigned, params);
  }

  static Response send(SdkHttpFullRequest request, byte[] body) throws IOException, InterruptedException {
    return send(request.getUri(), request.headers(), body);
  }

  /** Sends the body as a stream of unknown length: chunked, with no Content-Length. */
  static Response sendChunked(SdkHttpFullRequest request, byte[] body) throws IOException, InterruptedException {
    return send(request.getUri(), request.headers(),
        HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)));
  }

  static Response send(URI uri, Map<String, List<String>> headers, byte[] body)
      throws IOException, InterruptedException {
    return send(uri, headers, HttpRequest.BodyPublishers.ofByteArray(body));
  }

  private static Response send(URI uri, Map<String, List<String>> headers, HttpRequest.BodyPublisher body)
      throws IOException, InterruptedException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).POST(body);
    Set<String> restricted = Set.of("host", "content-length", "connection", "expect", "upgrade");
    headers.forEach((name, values) -> {
      if (!restricted.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        values.forEach(v -> builder.header(name, v));
      }
    });
    HttpResponse<String> response = HTTP.send(builder.build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Response(response.statusCode(), response.body(), response.headers().map());
  }

  /** Signs and sends in one go, with the real clock. */
  static Response post(KeyServerFixture fixture, String target, String json) throws Exception {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return send(sign(fixture.endpoint(), target, body, fixture.accessKey.id(), fixture.accessKey.secret(),
        Clock.systemUTC()), body);
  }
}
