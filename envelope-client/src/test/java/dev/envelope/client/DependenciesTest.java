package dev.envelope.client;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DependenciesTest {
  @Test
  void theClientRunsWithoutTheCryptoLibrary() {
    // The tests of this module see exactly what an application that calls the client gets: no Tink, no
    // protobuf. A change that needs them here would make every caller carry a crypto library it never uses.
    assertThrows(ClassNotFoundException.class, () -> Class.forName("com.google.crypto.tink.StreamingAead"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("com.google.protobuf.Message"));
  }
}
