/**
 * The {@link dev.envelope.service.BlobStore} over S3 or any S3-compatible store: {@link
 * dev.envelope.s3.S3BlobStore}, configured by {@link dev.envelope.s3.S3BlobStoreConfig}.
 */
package dev.envelope.s3;
