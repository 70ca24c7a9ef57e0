package dev.envelope.keyserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.testing.FileModes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The access keys file: private, replaced whole, read again by a running server when it changes. */
class CredentialStoreTest {
  @TempDir
  Path dir;

  @Test
  void theFileAndTheDirectoriesItNeededAreCreatedOwnerOnly() throws Exception {
    CredentialStore store = CredentialStore.at(dir.resolve("home/keyserver/credentials.json"));
    store.create("a", Set.of(), Set.of());
    assertEquals("rwx------", FileModes.of(dir.resolve("home")));
    assertEquals("rwx------", FileModes.of(dir.resolve("home/keyserver")));
    assertEquals("rw-------", FileModes.of(dir.resolve("home/keyserver/credentials.json.lock")));
  }

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
  void aCredentialsFileReadableByOthers_isRefused() throws Exception {
    CredentialStore store = storeWithOneKey();
    FileModes.set(store.file(), "rw-r--r--");
    String message = refused(store::list);
    assertEquals("refusing to use the key server credentials file " + store.file() + ": it holds a secret and"
        + " group or others may read it (mode 0644); make it owner-only: chmod 600 " + store.file().toRealPath(),
        message);
  }

  @Test
  void aCredentialsFileOthersMayWrite_isRefused_andItsKeysAreNotRewrittenAsOurs() throws Exception {
    CredentialStore store = storeWithOneKey();
    FileModes.set(store.file(), "rw-rw-rw-");
    byte[] before = Files.readAllBytes(store.file());
    refused(() -> store.create("more", Set.of(), Set.of()));
    refused(() -> store.revoke("ENVKNONENONENONENONE"));
    assertArrayEquals(before, Files.readAllBytes(store.file()));
    assertEquals("rw-rw-rw-", FileModes.of(store.file()), "left for its owner to look at");
  }

  @Test
  void aCredentialsFileOfAnotherUser_isRefused() throws Exception {
    CredentialStore store = storeWithOneKey();
    FileModes.giveToNobody(store.file());
    assertTrue(refused(store::list).contains("belongs to uid 65534"));
  }

  @Test
  void aCredentialsDirectoryOthersMayWrite_isRefused() throws Exception {
    CredentialStore store = storeWithOneKey();
    FileModes.set(store.file().getParent(), "rwxrwxrwx");
    assertTrue(refused(store::list).contains("its directory " + store.file().getParent().toRealPath()));
  }

  @Test
  void everyLookupChecks_notOnlyThoseAfterAChangeOfContent() throws Exception {
    CredentialStore store = storeWithOneKey();
    String id = store.list().get(0).id();
    assertTrue(store.find(id).isPresent());
    FileModes.set(store.file(), "rw-rw----"); // mode only: the modification time and size stay as they were
    refused(() -> store.find(id));
  }

  private CredentialStore storeWithOneKey() throws Exception {
    CredentialStore store = CredentialStore.at(dir.resolve("keyserver/credentials.json"));
    store.create("a", Set.of(), Set.of());
    return store;
  }

  private static String refused(Executable action) {
    EnvelopeException e = assertThrows(EnvelopeException.class, action);
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    return e.getMessage();
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

  @Test
  void anAllowListNamesKeysByIdOrArn_neverByAlias() throws Exception {
    CredentialStore store = CredentialStore.at(dir.resolve("keyserver/credentials.json"));
    String id = "5b4c7a4e-0d2f-4c8c-9d3b-6a2d1f0e9c11";

    AccessKey byArn = store.create("arn", Set.of(), Set.of("arn:aws:kms:us-east-1:111122223333:key/" + id));
    assertEquals(Set.of(id), byArn.allowedKeys(), "an ARN is kept as the id it names");
    assertEquals(Set.of(id), store.create("upper", Set.of(), Set.of(id.toUpperCase(java.util.Locale.ROOT)))
        .allowedKeys(), "key ids are compared in lower case");
    for (String notAnId : List.of("alias/files", "files", "arn:aws:kms:us-east-1:111122223333:alias/files", "")) {
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> store.create("x", Set.of(), Set.of(notAnId)));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), notAnId);
      assertTrue(e.getMessage().contains("never by alias"), e.getMessage());
    }
    assertEquals(2, store.list().size(), "nothing was stored for the refused ones");
  }
}
