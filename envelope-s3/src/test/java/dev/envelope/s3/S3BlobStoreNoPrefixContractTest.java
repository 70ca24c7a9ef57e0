package dev.envelope.s3;

/** The {@link dev.envelope.service.BlobStore} contract with blobs at the top of the bucket. */
class S3BlobStoreNoPrefixContractTest extends S3BlobStoreContractTest {
  @Override
  protected String prefix() {
    return "";
  }
}
