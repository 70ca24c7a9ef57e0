package dev.envelope.keyring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.testing.FileModes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyTest {
  @TempDir
  Path home;

  private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();
  private final PrintStream warn = new PrintStream(warnings, true, StandardCharsets.UTF_8);

  @Test
  void withNoKeyConfiguredAPrivateKeyFileIsGeneratedLoudly() throws Exception {
    MasterKey generated = MasterKey.resolve(KeyringConfig.builder(home).mayGenerateMasterKey(true).build(), warn);
    Path file = home.resolve(MasterKey.DEFAULT_FILE_NAME);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    String said = warnings.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("WARNING") && said.contains("NOT for production"), said);
    assertFalse(said.contains(Files.readString(file).strip()), "the key itself must not be printed");

    warnings.reset();
    assertEquals(generated.id(), MasterKey.resolve(KeyringConfig.builder(home).mayGenerateMasterKey(true).build(), warn).id(), "the generated file is reused");
    assertEquals("", warnings.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aKeyringWithoutItsMasterKeyIsAnErrorNotAReasonToGenerateOne() throws Exception {
    Files.createDirectories(home);
    Files.write(home.resolve(KeyringFile.FILE_NAME), new byte[] {1, 2, 3});
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> MasterKey.resolve(KeyringConfig.builder(home).mayGenerateMasterKey(true).build(), warn));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    assertFalse(Files.exists(home.resolve(MasterKey.DEFAULT_FILE_NAME)));
  }

  @Test
  void theEnvironmentVariableWinsAndIsValidated() throws Exception {
    String key = Keyrings.newMasterKeyBase64();
    assertEquals(MasterKey.fromBase64(key, "x").id(),
        MasterKey.resolve(KeyringConfig.builder(home).masterKey(MasterKey.fromBase64(key, MasterKey.ENV_KEY)).mayGenerateMasterKey(true).build(), warn).id());
    for (String bad : new String[] {"", " ", "not base64!", Base64.getEncoder().encodeToString(new byte[31]),
        Base64.getEncoder().encodeToString(new byte[33]), "=", "A".repeat(100_000)}) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> MasterKey.resolve(KeyringConfig.builder(home).masterKey(MasterKey.fromBase64(bad, MasterKey.ENV_KEY)).mayGenerateMasterKey(true).build(), warn));
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains(MasterKey.ENV_KEY), e.getMessage());
    }
    assertFalse(Files.exists(home.resolve(MasterKey.DEFAULT_FILE_NAME)), "nothing generated on a bad key");
  }

  @Test
  void aKeyFileIsReadAndBothSourcesAtOnceAreRefused() throws Exception {
    String key = Keyrings.newMasterKeyBase64();
    Path file = FileModes.set(Files.writeString(home.resolve("mk"), key + "\n"), "rw-------");
    assertEquals(MasterKey.fromBase64(key, "x").id(),
        MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(file.toString()), MasterKey.ENV_KEY_FILE).mayGenerateMasterKey(true).build(), warn).id());
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, assertThrows(EnvelopeException.class, () -> MasterKey.resolve(
        KeyringConfig.builder(home).masterKeyFile(home.resolve("missing"), MasterKey.ENV_KEY_FILE)
            .mayGenerateMasterKey(true).build(), warn)).code());
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, assertThrows(EnvelopeException.class, () -> MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(file.toString()), "file").masterKey(MasterKey.fromBase64(key, MasterKey.ENV_KEY)).mayGenerateMasterKey(true).build(), warn)).code());
  }

  @Test
  void aMasterKeyFileReadableByOthers_isRefused() throws Exception {
    Path file = FileModes.set(Files.writeString(home.resolve("mk"), Keyrings.newMasterKeyBase64()), "rw-r--r--");
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(file.toString()), MasterKey.ENV_KEY_FILE).mayGenerateMasterKey(false).build(), warn));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertEquals("refusing to use the master key file " + file + ": it holds a secret and group or others may"
        + " read it (mode 0644); make it owner-only: chmod 600 " + file.toRealPath(), e.getMessage());
    FileModes.set(file, "r--------");
    MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(file.toString()), MasterKey.ENV_KEY_FILE).mayGenerateMasterKey(false).build(), warn);
  }

  @Test
  void aGeneratedMasterKeyFileMadeGroupReadable_isRefused() throws Exception {
    MasterKey.resolve(KeyringConfig.builder(home).mayGenerateMasterKey(true).build(), warn);
    FileModes.set(home.resolve(MasterKey.DEFAULT_FILE_NAME), "rw-r-----");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> MasterKey.resolve(KeyringConfig.builder(home).mayGenerateMasterKey(true).build(), warn));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
  }

  @Test
  void aMasterKeyFileOthersMayWrite_isRefused() throws Exception {
    Path file = FileModes.set(Files.writeString(home.resolve("mk"), Keyrings.newMasterKeyBase64()), "rw--w--w-");
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(file.toString()), MasterKey.ENV_KEY_FILE).mayGenerateMasterKey(false).build(), warn));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains("group or others may write it (mode 0622)"), e.getMessage());
  }

  @Test
  void aMasterKeyFileOfAnotherUser_isRefused() throws Exception {
    Path file = FileModes.set(Files.writeString(home.resolve("mk"), Keyrings.newMasterKeyBase64()), "rw-------");
    FileModes.giveToNobody(file);
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(file.toString()), MasterKey.ENV_KEY_FILE).mayGenerateMasterKey(false).build(), warn));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains("belongs to uid 65534"), e.getMessage());
  }

  @Test
  void aMasterKeyFileInADirectoryOthersMayWrite_isRefused() throws Exception {
    Path open = FileModes.set(Files.createDirectory(home.resolve("open")), "rwxrwxrwx");
    Path file = FileModes.set(Files.writeString(open.resolve("mk"), Keyrings.newMasterKeyBase64()), "rw-------");
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(file.toString()), MasterKey.ENV_KEY_FILE).mayGenerateMasterKey(false).build(), warn));
    assertEquals(ErrorCode.INSECURE_FILE, e.code());
    assertTrue(e.getMessage().contains("its directory " + open.toRealPath()), e.getMessage());
  }

  @Test
  void toStringShowsOnlyTheId() throws Exception {
    String key = Keyrings.newMasterKeyBase64();
    MasterKey master = MasterKey.fromBase64(key, "x");
    assertFalse(master.toString().contains(key));
    assertTrue(master.toString().contains(master.id()));
  }

  @Test
  void processesStartingTogetherOnAFreshHomeAgreeOnOneMasterKey() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(pool.submit(() -> {
        ManagedKeyService keyring = LocalKeyring.open(KeyringConfig.builder(home).mayGenerateMasterKey(true).build(), warn);
        keyring.createKey("");
        return MasterKey.resolve(KeyringConfig.builder(home).mayGenerateMasterKey(false).build(), warn).id();
      }));
    }
    java.util.Set<String> distinct = new java.util.HashSet<>();
    for (java.util.concurrent.Future<String> id : ids) {
      distinct.add(id.get(60, java.util.concurrent.TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertEquals(1, distinct.size(), "one master key for everyone");
    assertEquals(8, LocalKeyring.open(KeyringConfig.builder(home).build(), warn)
        .listKeys().size(), "every key is readable with that master key");
  }

  @Test
  void readOnlyUseOfAFreshHomeGeneratesNothing() throws Exception {
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> MasterKey.resolve(KeyringConfig.builder(home).mayGenerateMasterKey(false).build(), warn));
    assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    assertFalse(Files.exists(home.resolve(MasterKey.DEFAULT_FILE_NAME)));
  }

  @Test
  void aHugeOrSpecialMasterKeyFileIsRefusedClearly() throws Exception {
    Path big = Files.write(home.resolve("big"), new byte[4096]);
    for (String path : new String[] {big.toString(), "/dev/zero", home.toString()}) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> MasterKey.resolve(KeyringConfig.builder(home).masterKeyFile(Path.of(path), MasterKey.ENV_KEY_FILE).mayGenerateMasterKey(false).build(), warn));
      assertEquals(ErrorCode.KEYRING_UNAVAILABLE, e.code());
    }
  }
}
