/** The {@link dev.envelope.service.BlobStore} over S3 or any S3-compatible store. */
package dev.envelope.s3;
