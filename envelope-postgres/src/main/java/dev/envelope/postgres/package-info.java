/** The {@link dev.envelope.service.MetadataStore} and {@link dev.envelope.service.TokenStore} over PostgreSQL. */
package dev.envelope.postgres;
