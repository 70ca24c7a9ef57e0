package dev.envelope.bench.peers;

import dev.envelope.awskms.KmsFixture;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The KMS calls the key server handled during one kind of transfer (uploads or downloads), read from
 * {@link KmsFixture}'s audit log: only the lines written between {@link #begin} and {@link #end}, so the node's
 * start ({@code DescribeKey} of its root key) and anything else outside the transfers are not counted. The key
 * server writes a request's audit line before it answers, so every call of a finished transfer is in the log.
 * One thread at a time.
 */
final class KmsCalls {
  private final KmsFixture kms;
  private final String expected;
  private final Map<String, Long> byOperation = new TreeMap<>();
  private long files;
  private int mark = -1;

  /** @param expected the one operation each file should cost ({@code GenerateDataKey} or {@code Decrypt}) */
  KmsCalls(KmsFixture kms, String expected) {
    this.kms = kms;
    this.expected = expected;
  }

  /** Marks the start of a window of transfers. */
  void begin() {
    mark = kms.auditOperations().size();
  }

  /** Counts the calls since {@link #begin()}, for {@code transfers} files. */
  void end(int transfers) {
    if (mark < 0) {
      throw new IllegalStateException("end without begin");
    }
    List<String> all = kms.auditOperations();
    for (String operation : all.subList(mark, all.size())) {
      byOperation.merge(operation.isEmpty() ? "(unparsed)" : operation, 1L, Long::sum);
    }
    files += transfers;
    mark = -1;
  }

  String expected() {
    return expected;
  }

  long files() {
    return files;
  }

  /** Calls of the expected operation. */
  long expectedCalls() {
    return byOperation.getOrDefault(expected, 0L);
  }

  /** Calls of any other operation, by name. */
  Map<String, Long> others() {
    Map<String, Long> others = new TreeMap<>(byOperation);
    others.remove(expected);
    return others;
  }

  /** Whether every file cost exactly one call of the expected operation and nothing else was called. */
  boolean exactlyOnePerFile() {
    return files > 0 && expectedCalls() == files && others().isEmpty();
  }
}
