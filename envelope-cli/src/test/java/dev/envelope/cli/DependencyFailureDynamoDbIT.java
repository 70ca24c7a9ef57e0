package dev.envelope.cli;

/** {@link DependencyFailureIT} with the rows and tokens in DynamoDB (dynalite). */
class DependencyFailureDynamoDbIT extends DependencyFailureIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.DYNAMODB;
  }
}
