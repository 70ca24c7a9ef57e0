package dev.envelope.cli;

/** {@link MultiNodeIT} with the rows and tokens in PostgreSQL. */
class MultiNodePostgresIT extends MultiNodeIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.POSTGRES;
  }
}
