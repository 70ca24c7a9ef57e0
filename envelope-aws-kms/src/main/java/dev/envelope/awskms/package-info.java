/**
 * The {@link dev.envelope.core.KeyService} over AWS KMS, or over Envelope's own key server, which speaks its API:
 * {@link dev.envelope.awskms.AwsKmsKeyService} (one {@code GenerateDataKey} per upload, one {@code Decrypt} per
 * download, {@code ReEncrypt} to rewrap, the file's encryption context on every call; tenants' root keys through
 * {@link dev.envelope.core.RootKeyAdmin}: {@code CreateKey}, {@code DescribeKey}, {@code DisableKey},
 * {@code ScheduleKeyDeletion}), configured by
 * {@link dev.envelope.awskms.AwsKmsConfig} (endpoint, region, credentials, and the bounded retries and timeouts).
 *
 * <p>The test-jar carries {@code KmsFixture}, the AWS KMS stand-in (a key server in-process) for other modules'
 * tests; it needs {@code envelope-keyserver} and {@code envelope-keyring} on their test classpath.
 */
package dev.envelope.awskms;
