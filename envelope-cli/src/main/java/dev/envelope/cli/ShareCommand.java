package dev.envelope.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.client.EnvelopeClient;
import dev.envelope.client.LinkInfo;
import dev.envelope.client.NewLink;
import java.io.IOException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope share}: share links to stored files, made, listed and revoked on the server. */
@Command(name = "share", mixinStandardHelpOptions = true,
    subcommands = {ShareCommand.List.class, ShareCommand.Revoke.class},
    description = {"Make a share link to the file ID and print its URL: whoever has the URL can download the file,"
        + " without a token, until the link expires, is revoked or has served --max-downloads downloads.",
        "The URL holds the link's secret and is shown only now; the server keeps only a hash of it.",
        "Needs a write token. 'envelope share ls ID' lists a file's links, 'envelope share revoke ID LINK' ends one."})
final class ShareCommand implements Callable<Integer> {
  private static final String ROW = "%-16s  %-20s  %-9s  %s";

  @ParentCommand
  EnvelopeCommand parent;

  @Mixin
  ServerOptions server;

  @Parameters(paramLabel = "ID", arity = "0..1", description = "the id of the file to share")
  String id;

  @Option(names = "--expires", paramLabel = "DURATION",
      description = "how long the link lives, such as 90m, 12h or 30d (default 24h, at most 365d; never longer"
          + " than the token that makes it)")
  String expires;

  @Option(names = "--max-downloads", paramLabel = "N",
      description = "how many downloads the link allows in all (default: no bound); a Range request counts one")
  Long maxDownloads;

  @Option(names = "--json", description = "JSON for programs: id, url, expiresAt, maxDownloads, downloads, createdAt")
  boolean json;

  @Override
  public Integer call() throws EnvelopeException, IOException {
    if (id == null) {
      throw new EnvelopeException(ErrorCode.INVALID_ARGUMENT, "which file? envelope share ID");
    }
    NewLink link = server.client(parent.cli).createLink(id, expires, maxDownloads);
    if (!json) {
      parent.cli.println(link.url());
      return 0;
    }
    try (JsonGenerator out = generator(parent.cli)) {
      out.writeStartObject();
      out.writeStringField("url", link.url());
      writeFields(out, link.info());
      out.writeEndObject();
    }
    parent.cli.println("");
    return 0;
  }

  private static JsonGenerator generator(Cli cli) throws IOException {
    JsonGenerator out = new JsonFactory().createGenerator(cli.stdout(), JsonEncoding.UTF8);
    out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    return out;
  }

  private static void writeFields(JsonGenerator out, LinkInfo link) throws IOException {
    out.writeStringField("id", link.id());
    out.writeStringField("expiresAt", link.expiresAt().toString());
    if (link.maxDownloads().isPresent()) {
      out.writeNumberField("maxDownloads", link.maxDownloads().getAsLong());
    } else {
      out.writeNullField("maxDownloads");
    }
    out.writeNumberField("downloads", link.downloads());
    out.writeStringField("createdAt", link.createdAt().toString());
  }

  /** {@code envelope share ls ID}: the file's links that still open it (never their URLs). */
  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = "List the links of the file ID that still open it, oldest first (never their URLs).")
  static final class List implements Callable<Integer> {
    @ParentCommand
    ShareCommand share;

    @Mixin
    ServerOptions server;

    @Parameters(paramLabel = "ID", description = "the file's id")
    String id;

    @Option(names = "--json", description = "JSON for programs")
    boolean json;

    @Override
    public Integer call() throws EnvelopeException, IOException {
      Cli cli = share.parent.cli;
      java.util.List<LinkInfo> links = server.client(cli).listLinks(id);
      if (json) {
        try (JsonGenerator out = generator(cli)) {
          out.writeStartObject();
          out.writeArrayFieldStart("links");
          for (LinkInfo link : links) {
            out.writeStartObject();
            writeFields(out, link);
            out.writeEndObject();
          }
          out.writeEndArray();
          out.writeEndObject();
        }
        cli.println("");
        return 0;
      }
      cli.println(String.format(ROW, "LINK", "EXPIRES", "DOWNLOADS", "CREATED"));
      for (LinkInfo link : links) {
        String downloads = link.downloads() + "/" + (link.maxDownloads().isPresent()
            ? Long.toString(link.maxDownloads().getAsLong()) : "-");
        cli.println(String.format(ROW, link.id(), link.expiresAt().truncatedTo(ChronoUnit.SECONDS), downloads,
            link.createdAt().truncatedTo(ChronoUnit.SECONDS)));
      }
      return 0;
    }
  }

  /** {@code envelope share revoke ID LINK}: the link opens nothing from now on. */
  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke the link LINK of the file ID: it opens nothing from now on; prints nothing.")
  static final class Revoke implements Callable<Integer> {
    @ParentCommand
    ShareCommand share;

    @Mixin
    ServerOptions server;

    @Parameters(index = "0", paramLabel = "ID", description = "the file's id")
    String id;

    @Parameters(index = "1", paramLabel = "LINK", description = "the link's id (from 'envelope share ls')")
    String link;

    @Override
    public Integer call() throws EnvelopeException {
      server.client(share.parent.cli).revokeLink(id, link);
      return 0;
    }
  }
}
