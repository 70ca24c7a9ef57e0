package dev.envelope.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of files, newest first.
 *
 * @param files the files on this page
 * @param nextCursor what to pass to {@link EnvelopeClient#list} for the next page; empty on the last page
 */
public record FilePage(List<FileInfo> files, Optional<String> nextCursor) {
  public FilePage {
    files = List.copyOf(files);
  }
}
