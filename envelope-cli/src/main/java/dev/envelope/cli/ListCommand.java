package dev.envelope.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.client.EnvelopeClient;
import dev.envelope.client.FileInfo;
import dev.envelope.client.FilePage;
import dev.envelope.client.UncheckedEnvelopeClientException;
import java.io.IOException;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code envelope ls}: the caller's files, newest first, as a table for people or JSON for programs. */
@Command(name = "ls", mixinStandardHelpOptions = true,
    description = {"List your files on the Envelope server, newest first.",
        "The table shows names with control and bidi characters as \\uXXXX escapes; --json gives them as"
            + " stored, in the API's shape: {\"files\":[...],\"nextCursor\":...}."})
final class ListCommand implements Callable<Integer> {
  private static final String ROW = "%-26s  %10s  %-20s  %s";
  private static final int MAX_LIMIT = 1000;

  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ServerOptions server;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
      description = "show at most N files (1 to " + MAX_LIMIT + ", default: ${DEFAULT-VALUE}); with --all, the"
          + " page size")
  int limit;

  @Option(names = "--all", description = "every file, fetched page by page")
  boolean all;

  @Option(names = "--cursor", paramLabel = "CURSOR", description = "start where a previous --json list's"
      + " nextCursor says")
  String cursor;

  @Option(names = "--json", description = "JSON for programs: sizes in bytes, names unescaped")
  boolean json;

  @Override
  public Integer call() throws IOException, EnvelopeException {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--limit must be between 1 and " + MAX_LIMIT);
    }
    if (all && cursor != null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "--all starts at the newest file: no --cursor");
    }
    EnvelopeClient client = server.client(parent.cli);
    Iterator<FileInfo> files;
    Optional<String> next = Optional.empty();
    if (all) {
      files = client.listAll(limit);
    } else {
      FilePage page = client.list(limit, cursor);
      files = page.files().iterator();
      next = page.nextCursor();
    }
    try {
      if (json) {
        writeJson(files, next);
      } else {
        writeTable(files, next);
      }
    } catch (UncheckedEnvelopeClientException e) {
      throw e.getCause(); // a later page of --all failed: the output so far is incomplete
    }
    return 0;
  }

  private void writeTable(Iterator<FileInfo> files, Optional<String> next) throws IOException {
    Cli cli = parent.cli;
    cli.println(String.format(ROW, "ID", "SIZE", "CREATED", "NAME"));
    while (files.hasNext()) {
      FileInfo f = files.next();
      cli.println(String.format(ROW, f.id(), Sizes.human(f.size()),
          f.createdAt().truncatedTo(ChronoUnit.SECONDS), Printable.of(f.name())));
    }
    if (next.isPresent()) {
      cli.stderr().println("envelope: more files: 'envelope ls --all' lists them all");
    }
  }

  private void writeJson(Iterator<FileInfo> files, Optional<String> next) throws IOException {
    JsonGenerator out = new JsonFactory().createGenerator(parent.cli.stdout(), JsonEncoding.UTF8);
    out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    out.writeStartObject();
    out.writeArrayFieldStart("files");
    while (files.hasNext()) {
      FileInfo f = files.next();
      out.writeStartObject();
      out.writeStringField("id", f.id());
      out.writeStringField("name", f.name());
      out.writeNumberField("size", f.size());
      out.writeStringField("contentType", f.contentType());
      out.writeStringField("createdAt", f.createdAt().toString());
      out.writeStringField("sha256", f.sha256().orElse(null));
      out.writeEndObject();
    }
    out.writeEndArray();
    out.writeStringField("nextCursor", next.orElse(null));
    out.writeEndObject();
    out.close();
    parent.cli.println("");
  }
}
