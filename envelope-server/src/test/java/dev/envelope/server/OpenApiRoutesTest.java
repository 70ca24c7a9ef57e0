package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The OpenAPI document and the server say the same thing: every route is documented, every path exists. */
class OpenApiRoutesTest {
  private static final Set<String> OPERATIONS = Set.of("get", "put", "post", "delete", "head", "patch", "options");

  @Test
  void theDocumentedRoutesAreExactlyTheRegisteredOnes() throws Exception {
    Set<String> registered = new TreeSet<>();
    try (TestServer t = TestServer.start()) {
      // The before and after handlers (every request's id in the log context) are hooks, not routes.
      Set<String> hooks = Set.of("BEFORE", "AFTER", "BEFORE_MATCHED", "AFTER_MATCHED");
      t.server.app().unsafe.internalRouter.allHttpHandlers().stream()
          .filter(e -> !hooks.contains(e.endpoint.method.name().toUpperCase(Locale.ROOT))).forEach(e ->
              registered.add(e.endpoint.method.name().toUpperCase(Locale.ROOT) + " " + e.endpoint.path));

      JsonNode served = Json.MAPPER.readTree(t.send(t.request("/v1/openapi.json", null).build()).body()); // no token
      assertEquals(documented(Json.MAPPER.readTree(OpenApi.load())), registered);
      assertEquals(Json.MAPPER.readTree(OpenApi.load()), served);
    }
  }

  @Test
  void theServedDocumentIsTheOneInDocs() throws Exception {
    Path docs = Path.of("..", "docs", "openapi.json");

    assertArrayEquals(Files.readAllBytes(docs), OpenApi.load(), "the build packages docs/openapi.json as it is");
  }

  @Test
  void everyReferenceResolves() throws Exception {
    JsonNode doc = Json.MAPPER.readTree(OpenApi.load());
    Set<String> refs = new TreeSet<>();
    collectRefs(doc, refs);
    for (String ref : refs) {
      JsonNode target = doc.at(ref.substring(1));
      assertEquals(false, target.isMissingNode(), ref);
    }
    assertEquals("3.1.0", doc.get("openapi").asText());
  }

  private static Set<String> documented(JsonNode doc) {
    Set<String> routes = new TreeSet<>();
    doc.get("paths").properties().forEach(path -> path.getValue().fieldNames().forEachRemaining(method -> {
      if (OPERATIONS.contains(method)) {
        routes.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
      }
    }));
    return routes;
  }

  private static void collectRefs(JsonNode node, Set<String> refs) {
    if (node.isObject()) {
      node.properties().forEach(f -> {
        if (f.getKey().equals("$ref")) {
          refs.add(f.getValue().asText());
        } else {
          collectRefs(f.getValue(), refs);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, refs));
    }
  }
}
