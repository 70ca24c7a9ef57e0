package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * KMS list paging ({@code Limit}, {@code Marker} in; {@code Truncated}, {@code NextMarker} out) over a list
 * sorted by a unique name. A marker is the last name of the previous page (base64url), so pages stay right
 * when items are added or removed in between.
 */
final class Paging {
  private Paging() {}

  static <T> List<T> page(List<T> sortedByName, Function<T, String> name, KmsRequest request, ObjectNode response) {
    int limit = request.integer("Limit", 1, 1000).orElse(100);
    int start = 0;
    if (request.string("Marker").isPresent()) {
      String after;
      try {
        after = new String(Base64.getUrlDecoder().decode(request.string("Marker").get()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw KmsError.INVALID_MARKER.exception("The marker is not one this key server made");
      }
      while (start < sortedByName.size() && name.apply(sortedByName.get(start)).compareTo(after) <= 0) {
        start++;
      }
    }
    int end = Math.min(sortedByName.size(), start + limit);
    List<T> page = sortedByName.subList(start, end);
    boolean truncated = end < sortedByName.size();
    response.put("Truncated", truncated);
    if (truncated) {
      response.put("NextMarker", Base64.getUrlEncoder().withoutPadding()
          .encodeToString(name.apply(page.get(page.size() - 1)).getBytes(StandardCharsets.UTF_8)));
    }
    return page;
  }
}
