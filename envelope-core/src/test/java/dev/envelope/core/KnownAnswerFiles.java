package dev.envelope.core;

import dev.envelope.core.internal.KeyRecordJson;
import dev.envelope.core.internal.WrapFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The content streams of the committed known-answer files ({@code testdata/kat/v1} and {@code service-v1}) with
 * their data keys, for the cipher tests of this module. The keys come from the published test keyring, opened
 * here with the JCE as {@code docs/FORMAT.md} sections 3 and 5 describe (the keyring module itself depends on
 * this one); {@code KnownAnswerTest} and {@code StoredFileKnownAnswerTest} check the same files end to end.
 */
final class KnownAnswerFiles {
  private static final Path V1 = Path.of("..", "testdata", "kat", "v1");
  private static final Path SERVICE_V1 = Path.of("..", "testdata", "kat", "service-v1");

  /** One content stream: its ciphertext without any file header, and what it must decrypt to. */
  record Stream(String name, byte[] dataKey, EncryptionContext context, int segmentSize, byte[] ciphertext,
      byte[] plaintext) {}

  private KnownAnswerFiles() {}

  static List<Stream> streams() throws Exception {
    Map<String, byte[]> rootKeys = rootKeys();
    List<Stream> out = new ArrayList<>();
    for (String name : List.of("hello.txt", "empty.txt", "segments.bin", "rotated.txt")) {
      byte[] file = Files.readAllBytes(V1.resolve(name + ".env"));
      ByteArrayInputStream in = new ByteArrayInputStream(file);
      FileHeader header = FileHeader.read(in);
      out.add(new Stream(name, dataKey(rootKeys, header.wrappedKey(), header.context()), header.context(),
          header.segmentSize(), in.readAllBytes(), Files.readAllBytes(V1.resolve("plain").resolve(name))));
    }
    Properties row = new Properties();
    try (Reader r = Files.newBufferedReader(SERVICE_V1.resolve("segments.bin.row"), StandardCharsets.UTF_8)) {
      row.load(r);
    }
    WrappedKey wrapped = WrappedKey.of(row.getProperty("rootKeyId"),
        Integer.parseInt(row.getProperty("rootKeyVersion")), Base64.getDecoder().decode(row.getProperty("wrappedKey")));
    EncryptionContext context = EncryptionContext.of("file", row.getProperty("id"), "format",
        row.getProperty("formatVersion"), "tenant", row.getProperty("tenant"));
    out.add(new Stream("service-v1/segments.bin", dataKey(rootKeys, wrapped, context), context,
        Integer.parseInt(row.getProperty("segmentSize")), Files.readAllBytes(SERVICE_V1.resolve("segments.bin.blob")),
        Files.readAllBytes(V1.resolve("plain").resolve("segments.bin"))));
    return out;
  }

  /** The keyring's root key material by {@link KeyRecordJson#slot}: magic, version, master key id, nonce, GCM. */
  private static Map<String, byte[]> rootKeys() throws IOException, GeneralSecurityException {
    byte[] master = Base64.getDecoder().decode(Files.readString(V1.resolve("master.key")).strip());
    byte[] sealed = Files.readAllBytes(V1.resolve("keyring").resolve("keyring"));
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(master, "AES"), new GCMParameterSpec(128, sealed, 13, 12));
    gcm.updateAAD(sealed, 0, 13);
    byte[] json = gcm.doFinal(sealed, 25, sealed.length - 25);
    return KeyRecordJson.read(new KeyRecordJson.Schema(2, Set.of(1, 2), true, true), json).material();
  }

  private static byte[] dataKey(Map<String, byte[]> rootKeys, WrappedKey wrapped, EncryptionContext context)
      throws Exception {
    byte[] material = rootKeys.get(KeyRecordJson.slot(wrapped.rootKeyId(), wrapped.rootKeyVersion()));
    return WrapFormat.withLabel("envelope/local-wrap/v1").unwrap(wrapped, context, new WrapFormat.Gcm() {
      @Override
      public byte[] seal(byte[] nonce, byte[] aad, byte[] plaintext) {
        throw new UnsupportedOperationException();
      }

      @Override
      public byte[] open(byte[] nonce, byte[] aad, byte[] in, int offset, int length) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(128, nonce));
        c.updateAAD(aad);
        return c.doFinal(in, offset, length);
      }
    });
  }
}
