package dev.envelope.cli;

import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.server.audit.AuditChainVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code envelope audit ...}: the server's audit log, read offline. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Check the file service's audit log.",
    subcommands = {AuditCommand.Verify.class})
final class AuditCommand {
  @ParentCommand
  EnvelopeCommand parent;

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check the hash chain of audit log files and name the first line that is missing, altered,"
          + " out of order or cut short.",
          "Files are one chain, in the order given (NODE.000001.jsonl NODE.000002.jsonl ...); a directory stands"
              + " for each node's files in it, each node a chain of its own.",
          "Prints one 'ok' line per chain with its line count and last hash (keep that hash elsewhere: a chain"
              + " cannot show lines cut off its end); otherwise fails with audit-chain-broken (exit 21)."})
  static final class Verify implements Callable<Integer> {
    @ParentCommand
    AuditCommand audit;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "log files in order, or directories")
    List<Path> paths;

    /** The chains found in a directory, by name: there, generation 1 must start at the chain's genesis. */
    private final Set<String> found = new HashSet<>();

    @Override
    public Integer call() throws EnvelopeException, IOException {
      Cli cli = audit.parent.cli;
      for (Map.Entry<String, List<Path>> chain : chains().entrySet()) {
        AuditChainVerifier.Result result = found.contains(chain.getKey())
            ? AuditChainVerifier.verifyFound(chain.getValue()) : AuditChainVerifier.verify(chain.getValue());
        if (!result.ok()) {
          throw new EnvelopeException(ErrorCode.AUDIT_CHAIN_BROKEN, result.failure().describe()
              + (result.lines() > 0 ? " (after " + result.lines() + " good lines)" : ""));
        }
        cli.println("ok: " + chain.getKey() + ": " + result.lines() + " lines, last seq " + result.lastSeq()
            + ", last hash " + result.lastHash()
            + (result.continues() == null ? "" : "; continues " + result.continues() + ", not given: that link"
                + " is not checked"));
      }
      return 0;
    }

    /** The chains to check, each named for the output: the files given, or each node of a directory. */
    private Map<String, List<Path>> chains() throws EnvelopeException, IOException {
      Map<String, List<Path>> chains = new LinkedHashMap<>();
      List<Path> files = new ArrayList<>();
      for (Path p : paths) {
        if (Files.isDirectory(p)) {
          Map<String, List<Path>> found = AuditChainVerifier.chains(p);
          if (found.isEmpty()) {
            throw new EnvelopeException(ErrorCode.IO, "no audit log files (NODE.NNNNNN.jsonl) in " + p);
          }
          found.forEach((node, list) -> {
            String name = p.resolve(node + ".*").toString();
            chains.put(name, list);
            this.found.add(name);
          });
        } else if (!Files.isRegularFile(p)) {
          throw new EnvelopeException(ErrorCode.IO, "no such file: " + p);
        } else {
          files.add(p);
        }
      }
      if (!files.isEmpty()) {
        chains.put(files.size() == 1 ? files.get(0).toString() : files.get(0) + " .. " + files.get(files.size() - 1),
            files);
      }
      return chains;
    }
  }
}
