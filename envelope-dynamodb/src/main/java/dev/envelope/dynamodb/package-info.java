/** The {@link dev.envelope.service.MetadataStore} and {@link dev.envelope.service.TokenStore} over DynamoDB. */
package dev.envelope.dynamodb;
