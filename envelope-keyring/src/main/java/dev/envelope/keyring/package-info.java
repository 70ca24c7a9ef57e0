/**
 * The local key service: {@link dev.envelope.keyring.LocalKeyring}, AES-256 root keys with aliases,
 * versions and states in one keyring file sealed by a {@link dev.envelope.keyring.MasterKey}; needs no cloud
 * account.
 */
package dev.envelope.keyring;
