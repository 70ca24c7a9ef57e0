package dev.envelope.cli;

import dev.envelope.core.FileHeader;
import picocli.CommandLine.IVersionProvider;

/** Reports the build's version and the file format it writes. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = VersionProvider.class.getPackage().getImplementationVersion();
    return new String[] {
        "envelope " + (version == null ? "(development build)" : version),
        "file format version " + FileHeader.FORMAT_VERSION + ", Java " + System.getProperty("java.version")};
  }
}
