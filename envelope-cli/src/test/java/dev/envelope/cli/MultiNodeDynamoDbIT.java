package dev.envelope.cli;

/** {@link MultiNodeIT} with the rows and tokens in DynamoDB (dynalite). */
class MultiNodeDynamoDbIT extends MultiNodeIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.DYNAMODB;
  }
}
