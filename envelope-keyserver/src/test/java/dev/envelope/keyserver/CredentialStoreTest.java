package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access keys file: private, replaced whole, read again by a running server when it changes. */
class CredentialStoreTest {
  @TempDir
  Path dir;

  @Test
  void aCreatedKeyIsStoredOwnerOnlyWithItsSecretAndAllowLists() throws Exception {
    CredentialStore store = CredentialStore.at(dir.resolve("keyserver/credentials.json"));
    AccessKey key = store.create("ci", Set.of("Decrypt"), Set.of("5b4c7a4e-0d2f-4c8c-9d3b-6a2d1f0e9c11"));
    assertTrue(key.id().matches("ENVK[A-Z2-7]{16}"), key.id());
    assertEquals(40, key.secret().length());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())));
    AccessKey reread = CredentialStore.at(store.file()).list().get(0);
    assertEquals(key, reread);
    assertFalse(key.toString().contains(key.secret()));
  }

  @Test
  void anotherStoreOnTheSameFileSeesCreationsAndRevocations() throws Exception {
    Path file = dir.resolve("credentials.json");
    CredentialStore server = CredentialStore.at(file);
    CredentialStore cli = CredentialStore.at(file);
    assertEquals(List.of(), server.list());
    AccessKey a = cli.create("a", Set.of(), Set.of());
    AccessKey b = cli.create("b", Set.of(), Set.of());
    assertEquals(List.of(a, b), server.list());
    assertTrue(cli.revoke(a.id()));
    assertFalse(cli.revoke(a.id()));
    assertEquals(List.of(b), server.list());
    assertTrue(server.find(a.id()).isEmpty());
  }

  @Test
  void noTemporaryFileIsLeftBehind() throws Exception {
    CredentialStore store = CredentialStore.at(dir.resolve("credentials.json"));
    store.create("a", Set.of(), Set.of());
    try (var files = Files.list(dir)) {
      assertEquals(Set.of("credentials.json", "credentials.json.lock"),
          files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
    }
  }
}
