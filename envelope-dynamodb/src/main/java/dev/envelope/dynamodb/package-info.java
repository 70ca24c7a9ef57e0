/**
 * The {@link dev.envelope.service.MetadataStore} and {@link dev.envelope.service.TokenStore} over DynamoDB:
 * {@link dev.envelope.dynamodb.DynamoDbMetadataStore}, configured by {@link dev.envelope.dynamodb.DynamoDbConfig}.
 * One table holds one item per file and one per token; {@code envelope admin init-dynamodb} creates it
 * ({@link dev.envelope.dynamodb.DynamoDbMetadataStore#createTable}), the server only checks it. The test-jar
 * carries {@code DynaliteFixture}, the stand-in launcher used by the end-to-end tests.
 */
package dev.envelope.dynamodb;
