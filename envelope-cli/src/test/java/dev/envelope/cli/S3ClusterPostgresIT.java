package dev.envelope.cli;

/** {@link S3ClusterIT} with the rows, credentials, buckets and objects in PostgreSQL. */
class S3ClusterPostgresIT extends S3ClusterIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.POSTGRES;
  }
}
