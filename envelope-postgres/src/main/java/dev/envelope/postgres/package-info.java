/**
 * The {@link dev.envelope.service.MetadataStore} and {@link dev.envelope.service.TokenStore} over PostgreSQL,
 * for nodes that share one database: {@link dev.envelope.postgres.PostgresMetadataStore}, opened with a
 * {@link dev.envelope.postgres.PostgresConfig}. JDBC through a HikariCP pool, versioned migrations, every call
 * bounded in time, unreachability as {@link dev.envelope.api.ErrorCode#UNAVAILABLE}.
 */
package dev.envelope.postgres;
