package dev.envelope.core;

import dev.envelope.api.EnvelopeException;

/** The in-memory test key service keeps the {@link KeyServiceContract} (which also shows the contract can be met). */
class InMemoryKeyServiceTest extends KeyServiceContract {
  private InMemoryKeyService keys;

  @Override
  protected KeyService keyService() {
    keys = new InMemoryKeyService();
    return keys;
  }

  @Override
  protected String createRootKey() {
    return keys.createKey();
  }

  @Override
  protected void disableRootKey(String id) throws EnvelopeException {
    keys.disable(id);
  }

  @Override
  protected void enableRootKey(String id) throws EnvelopeException {
    keys.enable(id);
  }

  @Override
  protected void rotateRootKey(String id) throws EnvelopeException {
    keys.rotate(id);
  }
}
