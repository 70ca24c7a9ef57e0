/**
 * AWS Signature Version 4, verified once for every Envelope API that speaks it (the key server's KMS API, the S3
 * API): {@link dev.envelope.http.sigv4.SigV4Verifier} checks a request's headers (or presigned URL) before its body
 * is read, then its body: hashed whole (KMS), or decoded and checked as it streams (S3: signed and unsigned
 * payloads, aws-chunked with chunk signatures, trailing checksums). Refusals are {@link
 * dev.envelope.http.sigv4.SigV4Exception}s whose {@link dev.envelope.http.sigv4.SigV4Exception.Reason} each API
 * maps to its own error codes.
 */
package dev.envelope.http.sigv4;
