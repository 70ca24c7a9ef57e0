package dev.envelope.http.sigv4;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * A request as the server receives it (method, raw path and query, lower-cased headers, the body bytes as sent),
 * signed by the AWS SDK's own {@link AwsV4HttpSigner} for S3.
 */
record SignedWire(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body) {
  /** Signs {@code payload} as the SDK's S3 client does, with {@code options} on top (chunking, checksums, ...). */
  static SignedWire sign(String accessKeyId, String secret, Clock clock, SdkHttpMethod method, String uri,
      byte[] payload, Consumer<SignRequest.Builder<AwsCredentialsIdentity>> options) {
    return sign(accessKeyId, secret, clock, method, uri, payload, payload.length, options);
  }

  /** As above, with the payload's length declared as {@code declaredLength} (the SDK signs it as such). */
  static SignedWire sign(String accessKeyId, String secret, Clock clock, SdkHttpMethod method, String uri,
      byte[] payload, long declaredLength, Consumer<SignRequest.Builder<AwsCredentialsIdentity>> options) {
    SdkHttpRequest request = SdkHttpRequest.builder().method(method).uri(URI.create(uri))
        .putHeader("Content-Length", Long.toString(declaredLength)).build();
    var signed = AwsV4HttpSigner.create().sign(r -> {
      r.identity(AwsCredentialsIdentity.create(accessKeyId, secret)).request(request)
          .payload(ContentStreamProvider.fromByteArray(payload))
          .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
          .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
          .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
          .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
          .putProperty(HttpSigner.SIGNING_CLOCK, clock);
      options.accept(r);
    });
    Map<String, List<String>> headers = new TreeMap<>();
    signed.request().headers().forEach((k, v) -> headers.computeIfAbsent(k.toLowerCase(Locale.ROOT),
        n -> new ArrayList<>()).addAll(v));
    URI sent = signed.request().getUri();
    byte[] body;
    try (InputStream in = signed.payload().map(ContentStreamProvider::newStream)
        .orElse(new ByteArrayInputStream(new byte[0]))) {
      body = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SignedWire(method.name(), sent.getRawPath(), sent.getRawQuery() == null ? "" : sent.getRawQuery(),
        headers, body);
  }

  SignedWire withBody(byte[] newBody) {
    return new SignedWire(method, rawPath, rawQuery, headers, newBody);
  }

  SignedWire withHeader(String name, String value) {
    Map<String, List<String>> changed = new TreeMap<>(headers);
    changed.put(name, List.of(value));
    return new SignedWire(method, rawPath, rawQuery, changed, body);
  }

  SignedWire withPath(String path) {
    return new SignedWire(method, path, rawQuery, headers, body);
  }

  SignedWire withQuery(String query) {
    return new SignedWire(method, rawPath, query, headers, body);
  }

  String header(String name) {
    return SigV4Verifier.header(headers, name).orElseThrow();
  }

  /** The body with one byte flipped, {@code at} bytes after the first CRLF (the first chunk's data), or at 0. */
  SignedWire withFlippedByte(boolean chunked, int at) {
    byte[] changed = body.clone();
    int start = 0;
    if (chunked) {
      while (changed[start] != '\n') {
        start++;
      }
      start++;
    }
    changed[start + at] ^= 1;
    return withBody(changed);
  }

  /** Everything {@code in} gives before it ends or fails; a failure's bytes are kept in {@code before}. */
  static byte[] drain(InputStream in, ByteArrayOutputStream before, boolean byteAtATime) throws IOException {
    byte[] buffer = new byte[byteAtATime ? 1 : 7919];
    for (int n; (n = byteAtATime ? single(in, buffer) : in.read(buffer)) >= 0; ) {
      before.write(buffer, 0, n);
    }
    return before.toByteArray();
  }

  private static int single(InputStream in, byte[] buffer) throws IOException {
    int c = in.read();
    if (c < 0) {
      return -1;
    }
    buffer[0] = (byte) c;
    return 1;
  }
}
