package dev.envelope.cli;

/** {@link DependencyFailureIT} with the rows and tokens in PostgreSQL. */
class DependencyFailurePostgresIT extends DependencyFailureIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.POSTGRES;
  }

  @org.junit.jupiter.api.Test
  void aWrongPassword_atStart_isASettingsMistake_exit2_notAnOutage() throws Exception {
    String url = backends.env().get("ENVELOPE_POSTGRES_URL");
    assertSettingsMistake(java.util.Map.of("ENVELOPE_POSTGRES_PASSWORD", "not-the-password"),
        "envelope: error: cannot open the PostgreSQL metadata database at " + url + " as "
            + backends.postgres.user() + ": the server refused the user name or password (check postgres-user and"
            + " postgres-password-file) [invalid-argument]");
  }
}
