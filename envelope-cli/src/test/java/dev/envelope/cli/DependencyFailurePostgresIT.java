package dev.envelope.cli;

/** {@link DependencyFailureIT} with the rows and tokens in PostgreSQL. */
class DependencyFailurePostgresIT extends DependencyFailureIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.POSTGRES;
  }
}
