/**
 * The {@link dev.envelope.service.MetadataStore}, {@link dev.envelope.service.TokenStore} and
 * {@link dev.envelope.service.TenantStore} over PostgreSQL, for nodes that share one database:
 * {@link dev.envelope.postgres.PostgresMetadataStore}, opened with a {@link dev.envelope.postgres.PostgresConfig}.
 * JDBC through a HikariCP pool, versioned migrations, every call bounded in time, unreachability as
 * {@link dev.envelope.api.ErrorCode#UNAVAILABLE}.
 */
package dev.envelope.postgres;
