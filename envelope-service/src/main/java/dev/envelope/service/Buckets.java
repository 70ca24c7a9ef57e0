package dev.envelope.service;

import java.util.List;
import java.util.regex.Pattern;

/** S3's rules for bucket names (general purpose buckets), checked before a bucket is made. */
public final class Buckets {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IP = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+");
  private static final List<String> PREFIXES = List.of("xn--", "sthree-", "amzn-s3-demo-");
  private static final List<String> SUFFIXES = List.of("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3");

  private Buckets() {}

  /** Returns {@code name} if S3 would accept it for a new bucket, else throws {@code InvalidBucketName}. */
  public static String checkName(String name) throws S3Exception {
    String why = problem(name);
    if (why != null) {
      throw new S3Exception("InvalidBucketName", dev.envelope.api.ErrorCode.INVALID_ARGUMENT,
          "The specified bucket is not valid: " + why);
    }
    return name;
  }

  /** Whether {@code name} could be a bucket's (a request for any other name cannot find one). */
  public static boolean isWellFormed(String name) {
    return problem(name) == null;
  }

  private static String problem(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      return "a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens, and begins and ends with a"
          + " letter or digit";
    }
    if (name.contains("..") || name.contains(".-") || name.contains("-.")) {
      return "a bucket name has no two adjacent dots, and no dot next to a hyphen";
    }
    if (IP.matcher(name).matches()) {
      return "a bucket name is not an IP address";
    }
    for (String prefix : PREFIXES) {
      if (name.startsWith(prefix)) {
        return "a bucket name does not begin with " + prefix;
      }
    }
    for (String suffix : SUFFIXES) {
      if (name.endsWith(suffix)) {
        return "a bucket name does not end with " + suffix;
      }
    }
    return null;
  }
}
