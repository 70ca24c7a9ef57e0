package dev.envelope.keyring;

/** Whether a root key may be used. */
public enum KeyState {
  /** Makes and unwraps data keys. */
  ENABLED,
  /** Refuses to make or unwrap data keys until enabled again; its material is kept. */
  DISABLED
}
