package dev.envelope.core;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An encryption context: a small map of strings that names what a piece of ciphertext belongs to (for the
 * file service: format version, tenant, file id). It is authenticated but not secret: the envelope cipher
 * uses its {@linkplain #canonicalBytes() canonical encoding} as associated data, and key services bind it to
 * the wrapped data key (AWS KMS calls it the same thing). Decrypting under any other context fails.
 *
 * <p>Restrictions: at most {@value #MAX_ENTRIES} entries; keys are 1 to {@value #MAX_KEY_BYTES} UTF-8 bytes,
 * values 0 to {@value #MAX_VALUE_BYTES}; both must be well-formed Unicode (no lone surrogates). Instances are
 * immutable, and two contexts are equal when their maps are equal.
 *
 * <p>Canonical encoding, version 1 (see {@code docs/FORMAT.md}): one byte {@code 0x01}, a big-endian u16
 * entry count, then for each entry in ascending unsigned-byte order of the UTF-8 key: u16 key length, key
 * bytes, u16 value length, value bytes. Equal maps give equal bytes, on every platform, forever.
 */
public final class EncryptionContext {
  public static final int MAX_ENTRIES = 64;
  public static final int MAX_KEY_BYTES = 256;
  public static final int MAX_VALUE_BYTES = 4096;
  static final byte ENCODING_VERSION = 1;

  private static final EncryptionContext EMPTY = new EncryptionContext(new TreeMap<>());

  private final Map<String, String> entries; // sorted, unmodifiable
  private final byte[] canonical;

  private EncryptionContext(TreeMap<String, String> sorted) {
    this.entries = Collections.unmodifiableMap(sorted);
    this.canonical = encode(sorted);
  }

  /** The empty context (still versioned and authenticated: it is simply a context with no entries). */
  public static EncryptionContext empty() {
    return EMPTY;
  }

  /**
   * A context holding a copy of {@code map}.
   *
   * @throws IllegalArgumentException if an entry breaks a restriction above; the message says which
   */
  public static EncryptionContext of(Map<String, String> map) {
    if (map.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "encryption context has " + map.size() + " entries; at most " + MAX_ENTRIES + " are allowed");
    }
    TreeMap<String, String> sorted = new TreeMap<>(EncryptionContext::compareUtf8);
    for (Map.Entry<String, String> e : map.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (key == null || value == null) {
        throw new IllegalArgumentException("encryption context keys and values must not be null");
      }
      int keyLength = utf8(key, "key").length;
      if (keyLength == 0 || keyLength > MAX_KEY_BYTES) {
        throw new IllegalArgumentException("encryption context key '" + shorten(key)
            + "' must be 1 to " + MAX_KEY_BYTES + " bytes of UTF-8");
      }
      if (utf8(value, "value").length > MAX_VALUE_BYTES) {
        throw new IllegalArgumentException("encryption context value for '" + shorten(key)
            + "' is longer than " + MAX_VALUE_BYTES + " bytes of UTF-8");
      }
      sorted.put(key, value);
    }
    return sorted.isEmpty() ? EMPTY : new EncryptionContext(sorted);
  }

  /** A context of one or more key/value pairs given in order: {@code of("tenant", "t1", "file", "f9")}. */
  public static EncryptionContext of(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("encryption context needs an even number of arguments");
    }
    Map<String, String> map = new java.util.HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i] == null || keysAndValues[i + 1] == null) {
        throw new IllegalArgumentException("encryption context keys and values must not be null");
      }
      if (map.put(keysAndValues[i], keysAndValues[i + 1]) != null) {
        throw new IllegalArgumentException("encryption context key '" + keysAndValues[i] + "' given twice");
      }
    }
    return of(map);
  }

  /**
   * Parses a canonical encoding, strictly: any other byte string (unsorted or duplicate keys, a wrong
   * length, an unknown version, malformed UTF-8) is rejected, so one context has exactly one encoding.
   *
   * @throws IllegalArgumentException if {@code bytes} is not a canonical encoding
   */
  public static EncryptionContext fromCanonicalBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    EncryptionContext context = read(in);
    if (in.hasRemaining()) {
      throw new IllegalArgumentException("encryption context encoding has trailing bytes");
    }
    return context;
  }

  /** Reads one canonical encoding from {@code in}, leaving it positioned just after it. */
  static EncryptionContext read(ByteBuffer in) {
    try {
      if (in.get() != ENCODING_VERSION) {
        throw new IllegalArgumentException("unknown encryption context encoding version");
      }
      int count = Short.toUnsignedInt(in.getShort());
      Map<String, String> map = new TreeMap<>();
      byte[] previousKey = null;
      for (int i = 0; i < count; i++) {
        byte[] key = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(key);
        byte[] value = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(value);
        if (previousKey != null && Arrays.compareUnsigned(previousKey, key) >= 0) {
          throw new IllegalArgumentException("encryption context keys are not in canonical order");
        }
        previousKey = key;
        map.put(decodeStrict(key), decodeStrict(value));
      }
      EncryptionContext context = of(map);
      return context;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("encryption context encoding is truncated");
    }
  }

  /** The entries, sorted by the canonical order; unmodifiable. */
  public Map<String, String> asMap() {
    return entries;
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The canonical encoding described above; a fresh copy each call. */
  public byte[] canonicalBytes() {
    return canonical.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncryptionContext && Arrays.equals(canonical, ((EncryptionContext) o).canonical);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(canonical);
  }

  /** The entries as {@code {k=v, ...}}: a context is authenticated, not secret. */
  @Override
  public String toString() {
    return entries.toString();
  }

  private static byte[] encode(TreeMap<String, String> sorted) {
    int size = 3;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      size += 4 + utf8(e.getKey(), "key").length + utf8(e.getValue(), "value").length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(ENCODING_VERSION).putShort((short) sorted.size());
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      byte[] key = utf8(e.getKey(), "key");
      byte[] value = utf8(e.getValue(), "value");
      out.putShort((short) key.length).put(key).putShort((short) value.length).put(value);
    }
    return out.array();
  }

  private static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] utf8(String s, String what) {
    try {
      ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(s));
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("encryption context " + what + " is not well-formed Unicode");
    }
  }

  private static String decodeStrict(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("encryption context encoding holds malformed UTF-8");
    }
  }

  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
