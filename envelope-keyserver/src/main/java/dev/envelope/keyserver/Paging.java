package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * KMS list paging ({@code Limit}, {@code Marker} in; {@code Truncated}, {@code NextMarker} out) over a list
 * sorted by a unique name. A marker is the last name of the previous page, so pages stay right when items are
 * added or removed in between, and it carries a MAC under a key of this server process: a marker the server did
 * not make for this listing (forged, altered, from another listing, from before a restart) is an
 * {@code InvalidMarkerException}, as AWS answers, never a quietly empty page.
 */
final class Paging {
  private static final int TAG_BYTES = 16;
  private final byte[] key = new byte[32];

  Paging() {
    new SecureRandom().nextBytes(key);
  }

  /**
   * The page of {@code sortedByName} the request asks for, with {@code Truncated} and {@code NextMarker} put in
   * {@code response}.
   *
   * @param listing names what is listed (and its filter), so a marker of one listing is refused by another
   */
  <T> List<T> page(String listing, List<T> sortedByName, Function<T, String> name, KmsRequest request,
      ObjectNode response) {
    int limit = request.integer("Limit", 1, 1000).orElse(100);
    int start = 0;
    if (request.string("Marker").isPresent()) {
      String after = open(listing, request.string("Marker").get());
      while (start < sortedByName.size() && name.apply(sortedByName.get(start)).compareTo(after) <= 0) {
        start++;
      }
    }
    int end = Math.min(sortedByName.size(), start + limit);
    List<T> page = sortedByName.subList(start, end);
    boolean truncated = end < sortedByName.size();
    response.put("Truncated", truncated);
    if (truncated) {
      response.put("NextMarker", seal(listing, name.apply(page.get(page.size() - 1))));
    }
    return page;
  }

  private String seal(String listing, String last) {
    byte[] name = last.getBytes(StandardCharsets.UTF_8);
    byte[] sealed = Arrays.copyOf(name, name.length + TAG_BYTES);
    System.arraycopy(tag(listing, name), 0, sealed, name.length, TAG_BYTES);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
  }

  private String open(String listing, String marker) {
    byte[] sealed;
    try {
      sealed = Base64.getUrlDecoder().decode(marker);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (sealed.length < TAG_BYTES) {
      throw invalid();
    }
    byte[] name = Arrays.copyOf(sealed, sealed.length - TAG_BYTES);
    byte[] tag = Arrays.copyOfRange(sealed, name.length, sealed.length);
    if (!MessageDigest.isEqual(tag, tag(listing, name))) {
      throw invalid();
    }
    return new String(name, StandardCharsets.UTF_8);
  }

  private byte[] tag(String listing, byte[] name) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(listing.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return Arrays.copyOf(mac.doFinal(name), TAG_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  private static KmsException invalid() {
    return KmsError.INVALID_MARKER.exception("The marker is not one this key server made for this listing");
  }
}
