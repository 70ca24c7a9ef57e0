package dev.envelope.bench.peers;

import com.amazonaws.encryptionsdk.AwsCrypto;
import com.amazonaws.encryptionsdk.CommitmentPolicy;
import com.amazonaws.encryptionsdk.CryptoAlgorithm;
import com.amazonaws.encryptionsdk.CryptoResult;
import dev.envelope.bench.Contender;
import dev.envelope.bench.Sizes;
import dev.envelope.bench.StreamContender;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Properties;
import software.amazon.cryptography.materialproviders.IKeyring;
import software.amazon.cryptography.materialproviders.MaterialProviders;
import software.amazon.cryptography.materialproviders.model.AesWrappingAlg;
import software.amazon.cryptography.materialproviders.model.CreateRawAesKeyringInput;
import software.amazon.cryptography.materialproviders.model.MaterialProvidersConfig;

/**
 * The AWS Encryption SDK for Java (3.x) as stream contenders: a raw AES keyring from the Material Providers
 * Library (a local 256-bit wrapping key, so no KMS and no AWS credentials), and the ESDK's own streaming API
 * ({@code createEncryptingStream} / {@code createDecryptingStream}), driven by {@link StreamContender} with
 * the same 64 KiB chunks, sink and source as Envelope's and Tink's rows. Frames are the ESDK's default size.
 */
final class Esdk {
  private static final String NAMESPACE = "envelope-bench";

  private Esdk() {}

  /** A contender and the note that says exactly what it ran. */
  record Peer(Contender contender, String note) {}

  /** The SDK's defaults: {@code AwsCrypto.standard()}, whose default suite signs every message. */
  static Peer defaults(Map<String, String> context) {
    return peer(AwsCrypto.standard(), "defaults", "AwsCrypto.standard()", context);
  }

  /** The fastest suite the default commitment policy (require encrypt, require decrypt) allows: no signature. */
  static Peer unsignedCommitting(Map<String, String> context) {
    AwsCrypto crypto = AwsCrypto.builder()
        .withCommitmentPolicy(CommitmentPolicy.RequireEncryptRequireDecrypt)
        .withEncryptionAlgorithm(CryptoAlgorithm.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
        .build();
    return peer(crypto, "", "AwsCrypto.builder().withCommitmentPolicy(RequireEncryptRequireDecrypt)"
        + ".withEncryptionAlgorithm(ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY)", context);
  }

  /** The version of the SDK on the class path, read from its jar, or "version unknown". */
  static String version() {
    Properties p = new Properties();
    try (InputStream in = AwsCrypto.class.getResourceAsStream(
        "/META-INF/maven/com.amazonaws/aws-encryption-sdk-java/pom.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // Reported as unknown below.
    }
    String v = p.getProperty("version");
    if (v == null) {
      v = AwsCrypto.class.getPackage().getImplementationVersion();
    }
    return v == null ? "version unknown" : v;
  }

  private static Peer peer(AwsCrypto crypto, String what, String how, Map<String, String> context) {
    IKeyring keyring = rawAesKeyring();
    // The label describes the suite the SDK actually chose, read back from a message it encrypted.
    CryptoResult<byte[], ?> probe = crypto.encryptData(keyring, new byte[1], context);
    CryptoAlgorithm suite = probe.getHeaders().getCryptoAlgoId();
    String traits = (suite.isCommitting() ? "committing" : "non-committing") + ", "
        + (suite.getTrailingSignatureAlgo() != null ? "signed" : "unsigned") + " suite";
    String name = "AWS ESDK " + version() + (what.isEmpty() ? "" : " " + what) + " (" + traits + "), "
        + Sizes.format(crypto.getEncryptionFrameSize()) + " frames";
    String note = name + ": " + how + ", suite " + suite
        + (suite.getTrailingSignatureAlgo() != null ? " (" + suite.getTrailingSignatureAlgo() + " trailer)" : "")
        + ", raw AES keyring (MaterialProviders.CreateRawAesKeyring, ALG_AES256_GCM_IV12_TAG16, local 256-bit"
        + " wrapping key: no KMS), createEncryptingStream / createDecryptingStream with the encryption context.";
    return new Peer(contender(crypto, keyring, name, context), note);
  }

  private static Contender contender(AwsCrypto crypto, IKeyring keyring, String name,
      Map<String, String> context) {
    return StreamContender.of(name, new StreamContender.Streams() {
      @Override
      public OutputStream encrypting(OutputStream sink) {
        return crypto.createEncryptingStream(keyring, sink, context);
      }

      @Override
      public InputStream decrypting(InputStream source) {
        // With the context, the SDK also checks that the message carries it (as Envelope's decrypt does).
        return crypto.createDecryptingStream(keyring, source, context);
      }
    }, plaintextSize -> crypto.estimateCiphertextSize(keyring, Math.toIntExact(plaintextSize), context));
  }

  /** A raw AES-256 keyring with a fresh wrapping key: everything stays in this process. */
  private static IKeyring rawAesKeyring() {
    byte[] wrappingKey = new byte[32];
    new SecureRandom().nextBytes(wrappingKey);
    MaterialProviders mpl = MaterialProviders.builder()
        .MaterialProvidersConfig(MaterialProvidersConfig.builder().build())
        .build();
    return mpl.CreateRawAesKeyring(CreateRawAesKeyringInput.builder()
        .keyNamespace(NAMESPACE)
        .keyName("bench-wrapping-key")
        .wrappingKey(ByteBuffer.wrap(wrappingKey))
        .wrappingAlg(AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16)
        .build());
  }
}
