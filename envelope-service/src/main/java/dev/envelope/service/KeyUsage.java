package dev.envelope.service;

import dev.envelope.api.EnvelopeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many stored files each root key and version still wraps, and how many files and bytes each tenant has: what
 * an operator asks before retiring a key version ({@code envelope keys usage}) and what {@code envelope tenants
 * list} shows. Counted by one {@link MetadataStore#scan} of every row (no store keeps running totals), so it takes
 * time in proportion to the number of files and is exact for the rows present while it ran.
 *
 * @param keys one entry per key service, root key and version that wraps at least one file, sorted
 * @param tenants files and bytes per tenant that has at least one file, by tenant
 */
public record KeyUsage(List<KeyEntry> keys, Map<String, Totals> tenants) {
  private static final int PAGE = MetadataStore.MAX_PAGE;

  public KeyUsage {
    keys = List.copyOf(keys);
    tenants = java.util.Collections.unmodifiableMap(new TreeMap<>(tenants));
  }

  /** Files wrapped under one version of one root key. */
  public record KeyEntry(String keyService, String rootKeyId, int version, long files, long bytes) {}

  /** A count of files and their plaintext bytes. */
  public record Totals(long files, long bytes) {}

  /** Counts the rows of {@code tenant}, or of every tenant when it is null. */
  public static KeyUsage of(MetadataStore store, String tenant) throws EnvelopeException {
    Map<String, long[]> byKey = new TreeMap<>();
    Map<String, KeyEntry> names = new TreeMap<>();
    Map<String, Totals> byTenant = new TreeMap<>();
    String cursor = null;
    do {
      FilePage page = store.scan(tenant, cursor, PAGE);
      for (FileRecord f : page.files()) {
        String k = f.keyService() + "\0" + f.wrappedKey().rootKeyId() + "\0" + f.wrappedKey().rootKeyVersion();
        long[] counts = byKey.computeIfAbsent(k, x -> new long[2]);
        counts[0]++;
        counts[1] += f.size();
        names.putIfAbsent(k, new KeyEntry(f.keyService(), f.wrappedKey().rootKeyId(), f.wrappedKey().rootKeyVersion(),
            0, 0));
        byTenant.merge(f.tenant(), new Totals(1, f.size()), (a, b) -> new Totals(a.files + b.files, a.bytes + b.bytes));
      }
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
    List<KeyEntry> entries = new ArrayList<>();
    for (Map.Entry<String, long[]> e : byKey.entrySet()) {
      KeyEntry name = names.get(e.getKey());
      entries.add(new KeyEntry(name.keyService(), name.rootKeyId(), name.version(), e.getValue()[0], e.getValue()[1]));
    }
    entries.sort(Comparator.comparing(KeyEntry::keyService).thenComparing(KeyEntry::rootKeyId)
        .thenComparingInt(KeyEntry::version));
    return new KeyUsage(entries, byTenant);
  }

  /** Files wrapped under {@code rootKeyId} of {@code keyService}: under {@code version}, or any when it is null. */
  public long filesUnder(String keyService, String rootKeyId, Integer version) {
    long n = 0;
    for (KeyEntry e : keys) {
      if (e.keyService().equals(keyService) && e.rootKeyId().equals(rootKeyId)
          && (version == null || e.version() == version)) {
        n += e.files();
      }
    }
    return n;
  }

  /** The totals of {@code tenant}: zero when it has no files. */
  public Totals tenant(String tenant) {
    return tenants.getOrDefault(tenant, new Totals(0, 0));
  }
}
