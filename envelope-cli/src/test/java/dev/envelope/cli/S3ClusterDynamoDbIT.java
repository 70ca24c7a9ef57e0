package dev.envelope.cli;

/** {@link S3ClusterIT} with the rows, credentials, buckets and objects in DynamoDB (dynalite). */
class S3ClusterDynamoDbIT extends S3ClusterIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.DYNAMODB;
  }
}
