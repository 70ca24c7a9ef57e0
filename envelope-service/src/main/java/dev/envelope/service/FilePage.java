package dev.envelope.service;

import java.util.List;
import java.util.Optional;

/**
 * One page of a tenant's files, newest first.
 *
 * @param files the files on this page
 * @param nextCursor where the next page starts, absent on the last page; opaque to callers
 */
public record FilePage(List<FileRecord> files, Optional<String> nextCursor) {
  public FilePage {
    files = List.copyOf(files);
  }
}
