package dev.envelope.core.internal;

import com.sun.security.auth.module.UnixSystem;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.api.internal.AtomicFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Files that hold keys, secrets or audit records: only their owner may change them (invariant 9 of
 * {@code DESIGN.md}). One implementation for every such file of Envelope.
 *
 * <p><b>Creating.</b> Directories are made 0700 and files 0600 whatever the umask: the mode is given at
 * creation, so a file is never open to others even for a moment, and a new directory's mode is set once more
 * right after, because a strict umask may also have taken bits the owner needs. An existing directory keeps
 * its mode (the checks below say when it is unsafe).
 *
 * <p><b>Reading.</b> {@link #checkOwnerOnly} refuses a file that another user owns or that group or others may
 * write, and a file whose directory group or others may write (unless it is sticky and root's, like
 * {@code /tmp}) or that a user other than us and root owns: any of them could change or replace the content.
 * {@link #checkSecret} also refuses a plaintext secret that group or others have any access to, as ssh refuses
 * a private key of mode 0644. The refusal is an {@link ErrorCode#INSECURE_FILE} naming the path, what is wrong
 * and the command that fixes it. "Us" is the user id the JVM runs as (not {@code user.name}, which needs an
 * entry in {@code /etc/passwd}, often missing in containers).
 *
 * <h2>Restrictions</h2>
 * Only a file's own directory is checked, not the directories above it. A symbolic link is followed: the file
 * it leads to and the directories of both the link and that file are checked. Where the file system has no
 * POSIX modes (Windows), files get the system's defaults and nothing is checked. ACLs are not looked at.
 */
public final class PrivateFiles {
  private static final Set<PosixFilePermission> FILE_MODE = AtomicFile.privateFile();
  private static final Set<PosixFilePermission> DIRECTORY_MODE =
      Set.copyOf(PosixFilePermissions.fromString("rwx------"));
  private static final int GROUP_OR_OTHERS_WRITE = 0022;
  private static final int GROUP_OR_OTHERS_ANY = 0077;
  private static final int STICKY = 01000;
  private static final int ROOT = 0;
  private static final int MAX_LINKS = 40;

  private PrivateFiles() {}

  /** The mode of a new private file (0600), for {@link AtomicFile#create}. */
  public static Set<PosixFilePermission> fileMode() {
    return FILE_MODE;
  }

  /** Creates {@code dir} and any missing parents, each new one 0700; an existing directory is left as it is. */
  public static void createDirectories(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = absolute; p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.push(p);
    }
    boolean posix = posix(absolute);
    while (!missing.isEmpty()) {
      Path next = missing.pop();
      try {
        Files.createDirectory(next, attributes(posix, DIRECTORY_MODE));
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(next)) {
          throw e;
        }
        continue; // made by another process meanwhile: its mode is its maker's business
      }
      if (posix) {
        Files.setPosixFilePermissions(next, DIRECTORY_MODE);
      }
    }
  }

  /** Creates an empty file 0600 unless one exists (which keeps its mode). */
  public static void createFileIfMissing(Path file) throws IOException {
    try {
      Files.createFile(file, attributes(posix(file), FILE_MODE));
    } catch (FileAlreadyExistsException e) {
      // an existing file keeps its mode; the checks say when it is unsafe
    }
  }

  /** Opens {@code file} for writing, creating it 0600 if missing: lock files and append-only logs. */
  public static FileChannel openForWriting(Path file, OpenOption... more) throws IOException {
    // CREATE_NEW among more wins over CREATE, as FileChannel.open documents.
    Set<OpenOption> options = new HashSet<>(Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE));
    options.addAll(Set.of(more));
    return FileChannel.open(file, options, attributes(posix(file), FILE_MODE));
  }

  /**
   * Refuses {@code file} unless only its owner, the user we run as, can change it or replace it.
   *
   * @param what what the file is, for the message ("keyring", "audit log")
   * @throws EnvelopeException {@link ErrorCode#INSECURE_FILE} saying what is wrong and how to fix it
   * @throws IOException if the file or its directory cannot be looked at (a missing file among them)
   */
  public static void checkOwnerOnly(Path file, String what) throws EnvelopeException, IOException {
    check(file, what, false, false);
  }

  /**
   * Refuses {@code dir} unless it is ours and only we may write it: not even a sticky shared directory like
   * {@code /tmp}. For a directory where files are made and rotated by name: whoever else may create a file in it
   * can plant a link or a file of their own under the next name.
   *
   * @param what what the directory holds, for the message ("audit log")
   * @throws EnvelopeException {@link ErrorCode#INSECURE_FILE} naming the directory, what is wrong and the fix
   * @throws IOException if the directory cannot be looked at
   */
  public static void checkPrivateDirectory(Path dir, String what) throws EnvelopeException, IOException {
    Path absolute = dir.toAbsolutePath();
    Ownership ownership = Ownership.of(absolute);
    if (ownership == null) {
      return;
    }
    Path real = ownership.real();
    int uid = ownership.uid();
    int mode = ownership.mode();
    if (uid != Me.UID) {
      throw refusedDirectory(what, dir, "it belongs to " + user(real, uid) + ", not to the user Envelope runs as"
          + " (uid " + Me.UID + "); give it a directory of its own (or: chown " + Me.UID + " " + real + ")");
    }
    if ((mode & GROUP_OR_OTHERS_WRITE) != 0) {
      throw refusedDirectory(what, dir, "group or others may write it (mode " + octal(mode) + ") and so plant files"
          + " or links under the names it will use; chmod 700 " + real);
    }
  }

  /** As {@link #checkOwnerOnly}, and refuses a file that group or others may read: it holds a secret. */
  public static void checkSecret(Path file, String what) throws EnvelopeException, IOException {
    check(file, what, true, false);
  }

  /**
   * As {@link #checkOwnerOnly}, but root may own the file too: for what an administrator installs for Envelope to
   * read and nobody else may change, such as a config file in {@code /etc} or a PKCS#11 module in
   * {@code /usr/lib}. Whoever could change such a file could turn the audit log off or run code in the server.
   */
  public static void checkTrusted(Path file, String what) throws EnvelopeException, IOException {
    check(file, what, false, true);
  }

  private static void check(Path file, String what, boolean secret, boolean rootMayOwn)
      throws EnvelopeException, IOException {
    Path absolute = file.toAbsolutePath();
    Ownership ownership = Ownership.of(absolute);
    if (ownership == null) {
      return;
    }
    Path real = ownership.real();
    int uid = ownership.uid();
    int mode = ownership.mode();
    if (uid != Me.UID && !(rootMayOwn && uid == ROOT)) {
      throw refused(what, file, "it belongs to " + user(real, uid) + ", who could change it, not to the user"
          + " Envelope runs as (uid " + Me.UID + "); if it is yours: chown " + Me.UID + " " + real);
    }
    if (!Files.isRegularFile(real)) {
      // A FIFO or a device would hang the read or never end it (/dev/zero).
      throw refused(what, file, "it is not a regular file");
    }
    if ((mode & GROUP_OR_OTHERS_WRITE) != 0) {
      throw refused(what, file, "group or others may write it (mode " + octal(mode) + "); make it owner-only: "
          + "chmod 600 " + real);
    }
    if (secret && (mode & GROUP_OR_OTHERS_ANY) != 0) {
      throw refused(what, file, "it holds a secret and group or others may read it (mode " + octal(mode)
          + "); make it owner-only: chmod 600 " + real);
    }
    Set<Path> directories = new LinkedHashSet<>();
    directories.add(real.getParent());
    if (absolute.getParent() != null) {
      directories.add(absolute.getParent().toRealPath());
    }
    directories.addAll(linkDirectories(absolute));
    for (Path dir : directories) {
      checkDirectory(dir, what, file);
    }
  }

  /**
   * The directories that hold a symbolic link on the way from {@code path} to the file it names, at every hop of
   * a chain and for links to directories too: whoever may write one of them can point the link elsewhere.
   */
  private static Set<Path> linkDirectories(Path path) throws IOException {
    Set<Path> directories = new LinkedHashSet<>();
    Path current = path;
    for (int hops = 0; hops < MAX_LINKS; hops++) {
      Path prefix = current.getRoot();
      Path followed = null;
      for (Path name : current) {
        prefix = prefix.resolve(name);
        if (Files.isSymbolicLink(prefix)) {
          directories.add(prefix.getParent().toRealPath());
          followed = prefix.getParent().resolve(Files.readSymbolicLink(prefix)).resolve(prefix.relativize(current));
          break;
        }
      }
      if (followed == null) {
        return directories;
      }
      current = followed;
    }
    throw new IOException("too many symbolic links on the way to " + path);
  }

  private static void checkDirectory(Path dir, String what, Path file) throws EnvelopeException, IOException {
    Map<String, Object> attributes = Files.readAttributes(dir, "unix:uid,mode");
    int uid = (Integer) attributes.get("uid");
    int mode = (Integer) attributes.get("mode") & 07777;
    if (uid != Me.UID && uid != ROOT) {
      throw refused(what, file, "its directory " + dir + " belongs to " + user(dir, uid) + ", who could replace"
          + " the file; keep it in a directory of your own (or: chown " + Me.UID + " " + dir + ")");
    }
    boolean sharedButSafe = (mode & STICKY) != 0 && uid == ROOT; // like /tmp: nobody removes another's file
    if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && !sharedButSafe) {
      throw refused(what, file, "group or others may write its directory " + dir + " (mode " + octal(mode)
          + ") and so replace the file; chmod go-w " + dir);
    }
  }

  private static EnvelopeException refused(String what, Path file, String why) {
    return new EnvelopeException(ErrorCode.INSECURE_FILE, "refusing to use the " + what + " " + file + ": " + why);
  }

  /** Who owns a path (followed to its real path) and its mode; null where files have no owners to check. */
  private record Ownership(Path real, int uid, int mode) {
    static Ownership of(Path absolute) throws IOException {
      if (!posix(absolute) || !absolute.getFileSystem().supportedFileAttributeViews().contains("unix")) {
        return null;
      }
      Path real = absolute.toRealPath();
      Map<String, Object> attributes = Files.readAttributes(real, "unix:uid,mode");
      return new Ownership(real, (Integer) attributes.get("uid"), (Integer) attributes.get("mode") & 07777);
    }
  }

  private static EnvelopeException refusedDirectory(String what, Path dir, String why) {
    return new EnvelopeException(ErrorCode.INSECURE_FILE, "refusing to use the " + what + " directory " + dir + ": "
        + why);
  }

  private static String user(Path path, int uid) {
    try {
      String name = Files.getOwner(path).getName();
      return name.equals(String.valueOf(uid)) ? "uid " + uid : "uid " + uid + " (" + name + ")";
    } catch (IOException e) {
      return "uid " + uid;
    }
  }

  private static String octal(int mode) {
    return String.format("%04o", mode);
  }

  private static FileAttribute<?>[] attributes(boolean posix, Set<PosixFilePermission> mode) {
    return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)} : new FileAttribute<?>[0];
  }

  /**
   * Whether {@code path}'s file system has POSIX modes. Asked of the file system, not of the file store:
   * Linux's file stores answer yes to every mount anyway, and finding one reads the whole mount table, too
   * slow for a check made on every request.
   */
  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** The user id this JVM runs as, looked up once, and only where files have owners to compare it with. */
  private static final class Me {
    static final int UID = (int) new UnixSystem().getUid();
  }
}
