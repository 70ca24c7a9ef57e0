package dev.envelope.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;

/**
 * Test helpers for file modes and owners. Giving a file to another user takes root: the tests that need it
 * run as root here and on CI, and are skipped elsewhere with a reason that says so.
 */
public final class FileModes {
  private FileModes() {}

  /** The permissions of {@code path} as {@code ls} shows them, e.g. {@code rw-------}. */
  public static String of(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  /** Sets the permissions of {@code path}, e.g. {@code rw-r--r--}. */
  public static Path set(Path path, String permissions) throws IOException {
    return Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
  }

  /** Sets the whole mode, sticky, setuid and setgid bits included (e.g. {@code 01777}). */
  public static void setMode(Path path, int mode) throws IOException {
    Files.setAttribute(path, "unix:mode", mode);
  }

  /** Whether this JVM runs as root. */
  public static boolean root() throws IOException {
    Path probe = Files.createTempFile("envelope-uid", null);
    try {
      return (Integer) Files.getAttribute(probe, "unix:uid") == 0;
    } finally {
      Files.delete(probe);
    }
  }

  /** Makes {@code nobody} the owner of {@code path}; skips the calling test unless this JVM runs as root. */
  public static void giveToNobody(Path path) throws IOException {
    giveTo(path, "nobody");
  }

  /** Makes root the owner of {@code path}; skips the calling test unless this JVM runs as root. */
  public static void giveToRoot(Path path) throws IOException {
    giveTo(path, "root");
  }

  private static void giveTo(Path path, String user) throws IOException {
    assumeTrue(root(), "giving a file to " + user + " takes root; this test runs as root on CI");
    UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
    Files.setOwner(path, users.lookupPrincipalByName(user));
  }
}
