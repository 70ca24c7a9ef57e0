/**
 * The PKCS#11 key service: {@link dev.envelope.pkcs11.Pkcs11KeyService}, root keys generated and used inside
 * an HSM through Java's SunPKCS11 provider, with their metadata (aliases, states, rotation, versions) in an
 * HMAC-authenticated file whose HMAC key also lives in the token. Layouts: {@code docs/FORMAT.md}, sections 6
 * and 7.
 */
package dev.envelope.pkcs11;
