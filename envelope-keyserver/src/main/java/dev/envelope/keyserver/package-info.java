/**
 * {@code envelope keyserver}: the AWS KMS JSON 1.1 API (the subset listed in docs/KEYSERVER.md) over any
 * {@link dev.envelope.core.ManagedKeyService}, so that the AWS SDKs and the AWS CLI can use Envelope's root keys
 * unchanged. Requests are authenticated with AWS Signature Version 4 against the key server's own access keys,
 * authorised against optional per-key allow lists, and written to an audit log.
 *
 * <p>{@link dev.envelope.keyserver.KeyServer} assembles the HTTP pipeline; {@link dev.envelope.keyserver.KeyOperations}
 * and {@link dev.envelope.keyserver.CryptoOperations} are the operations; {@link dev.envelope.keyserver.KmsSignatures}
 * checks signatures (with the shared verifier of {@code dev.envelope.http.sigv4}); {@link dev.envelope.keyserver.CiphertextBlob} is the wire form of a wrapped key.
 */
package dev.envelope.keyserver;
