/**
 * Envelope's internals, shared by its modules and not an API: they may change in any release without notice.
 * Callers outside Envelope use the public types of {@link dev.envelope.core} and of each module's root package.
 *
 * <p>Here live the one managed key service ({@link dev.envelope.core.internal.ManagedKeys}) over its small
 * backend seam ({@link dev.envelope.core.internal.ManagedKeyBackend}), which the local keyring and the PKCS#11 key
 * service implement, with what it is made of ({@link dev.envelope.core.internal.KeyLifecycle}, {@link
 * dev.envelope.core.internal.KeyRecord}, {@link dev.envelope.core.internal.KeyRecordJson}, {@link
 * dev.envelope.core.internal.WrapFormat}, {@link dev.envelope.core.internal.StoreFiles}, {@link
 * dev.envelope.core.internal.ManagedKeyRules}, {@link dev.envelope.core.internal.WrapBudget}), and file and runtime
 * helpers ({@link dev.envelope.api.internal.AtomicFile}, {@link dev.envelope.core.internal.PrivateFiles},
 * {@link dev.envelope.core.internal.CipherWarmUp}), as Tink keeps its internals in {@code internal} packages.
 */
package dev.envelope.core.internal;
