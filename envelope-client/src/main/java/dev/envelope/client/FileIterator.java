package dev.envelope.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;

/** Walks every page of {@link EnvelopeClient#list}, fetching the next page only when the current one is used up. */
final class FileIterator implements Iterator<FileInfo> {
  private final EnvelopeClient client;
  private final int pageSize;
  private Iterator<FileInfo> page = java.util.Collections.emptyIterator();
  private Optional<String> next = Optional.empty();
  private boolean started;

  FileIterator(EnvelopeClient client, int pageSize) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be >= 1");
    }
    this.client = client;
    this.pageSize = pageSize;
  }

  @Override
  public boolean hasNext() {
    // A page may come back empty with a cursor (files deleted meanwhile): keep going until one has files.
    while (!page.hasNext() && (!started || next.isPresent())) {
      try {
        FilePage fetched = client.list(pageSize, next.orElse(null));
        page = fetched.files().iterator();
        next = fetched.nextCursor();
        started = true;
      } catch (EnvelopeClientException e) {
        throw new UncheckedEnvelopeClientException(e);
      }
    }
    return page.hasNext();
  }

  @Override
  public FileInfo next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return page.next();
  }
}
