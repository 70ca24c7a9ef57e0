package dev.envelope.awskms;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;

/**
 * Builds the SDK client an {@link AwsKmsConfig} describes; see there for the retry and timeout choices. The
 * standard strategy already retries attempt timeouts (a server that accepts and never answers), I/O errors,
 * 5xx and throttling; only its attempts and back-offs are set here.
 */
final class KmsClients {
  record Built(KmsClient client, String region) {}

  private KmsClients() {}

  static Built build(AwsKmsConfig config) throws EnvelopeException {
    String region = config.region().isPresent() ? config.region().get() : defaultRegion();
    ApacheHttpClient.Builder http = ApacheHttpClient.builder()
        .connectionTimeout(config.connectTimeout())
        .socketTimeout(config.attemptTimeout())
        .connectionAcquisitionTimeout(config.attemptTimeout()); // waiting for a pooled connection is bounded too
    RetryStrategy retries = AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(config.maxAttempts())
        .backoffStrategy(BackoffStrategy.exponentialDelay(config.baseDelay(), config.maxBackoff()))
        .throttlingBackoffStrategy(
            BackoffStrategy.exponentialDelay(config.throttlingBaseDelay(), config.maxBackoff()))
        .build();
    KmsClientBuilder builder = KmsClient.builder()
        .httpClientBuilder(http)
        .region(Region.of(region))
        .credentialsProvider(config.credentials().isPresent() ? config.credentials().get()
            : DefaultCredentialsProvider.builder().build())
        .overrideConfiguration(c -> c
            .retryStrategy(retries)
            .apiCallTimeout(config.callTimeout())
            .apiCallAttemptTimeout(config.attemptTimeout()));
    config.endpoint().ifPresent(builder::endpointOverride);
    return new Built(builder.build(), region);
  }

  private static String defaultRegion() throws EnvelopeException {
    try {
      return new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (SdkClientException e) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "no AWS region for AWS KMS: configure one, or set"
          + " AWS_REGION (or the aws.region system property, or a region in the AWS profile)");
    }
  }
}
