/** The {@link dev.envelope.core.KeyService} over AWS KMS, or over Envelope's own key server, which speaks its API. */
package dev.envelope.awskms;
