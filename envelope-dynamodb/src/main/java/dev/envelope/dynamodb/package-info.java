/**
 * The {@link dev.envelope.service.MetadataStore}, {@link dev.envelope.service.TokenStore} and
 * {@link dev.envelope.service.TenantStore} over DynamoDB: {@link dev.envelope.dynamodb.DynamoDbMetadataStore},
 * configured by {@link dev.envelope.dynamodb.DynamoDbConfig}. One table holds one item per file, one per token
 * and one per tenant record; {@code envelope admin init-dynamodb} creates it
 * ({@link dev.envelope.dynamodb.DynamoDbMetadataStore#createTable}), the server only checks it. The test-jar
 * carries {@code DynaliteFixture}, the stand-in launcher used by the end-to-end tests.
 */
package dev.envelope.dynamodb;
