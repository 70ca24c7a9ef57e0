package dev.envelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link MultiNodeIT} with the rows and tokens in DynamoDB (dynalite). */
class MultiNodeDynamoDbIT extends MultiNodeIT {
  @Override
  SharedBackends.Metadata metadata() {
    return SharedBackends.Metadata.DYNAMODB;
  }

  @Test
  void initDynamoDbAgain_saysTheTableExists_andLeavesItAlone() throws Exception {
    String id = upload(a, "before", random(1000, 5));

    Process again = envelope(backends.env(), "admin", "init-dynamodb");
    String err = new String(again.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(again.waitFor(60, TimeUnit.SECONDS));

    assertEquals(12, again.exitValue(), err); // already-exists
    assertTrue(err.startsWith("envelope: error: ") && err.contains(SharedBackends.TABLE), err);
    assertEquals(200, get(b, "/v1/files/" + id).statusCode());
  }
}
