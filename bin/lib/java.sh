# Sourced by bin/envelope, bin/bench and bin/test: which JDK runs Envelope.
#
# The rule (docs/CLI.md, "Which Java"): JAVA_HOME wins when it is set; otherwise the newest JDK of release 17
# or later under /usr/lib/jvm (where Debian and Temurin's packages put them); otherwise the `java` on PATH.
# The bytecode is --release 17 whatever JDK built it, so a newer JDK only runs it faster (AES-GCM on 25 is
# about twice 17's, and 24+ can keep an AOT cache of a trained run).

# java_major HOME: the feature release of the JDK at HOME (17, 25, ...), read from its `release` file; empty
# when HOME is not a JDK.
java_major() {
  local release="$1/release" version
  [ -x "$1/bin/java" ] && [ -f "$release" ] || return 0
  version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$release")"
  version="${version#1.}"   # 1.8.0 -> 8.0
  printf '%s\n' "${version%%[.+-]*}"
}

# java_homes: every JDK of release 17 or later under /usr/lib/jvm, one "MAJOR HOME" line each, newest first.
# Symlinks (Debian's java-1.17.0-openjdk-amd64 -> java-17-openjdk-amd64) are skipped: they repeat a JDK.
java_homes() {
  local dir major
  for dir in /usr/lib/jvm/*/; do
    dir="${dir%/}"
    [ -L "$dir" ] && continue
    major="$(java_major "$dir")"
    [ -n "$major" ] && [ "$major" -ge 17 ] 2>/dev/null || continue
    printf '%s %s\n' "$major" "$dir"
  done | sort -t ' ' -k1,1nr -k2,2
}

# java_home_of_path: the home of the `java` on PATH (empty when there is none).
java_home_of_path() {
  local java
  java="$(command -v java 2>/dev/null)" || return 0
  java="$(readlink -f "$java")"
  printf '%s\n' "${java%/bin/java}"
}

# envelope_java_home: the JDK home the rule above picks. Fails with a clear message when the chosen JDK is
# older than 17 or there is none.
envelope_java_home() {
  local home major
  if [ -n "${JAVA_HOME:-}" ]; then
    home="$JAVA_HOME"
    if [ ! -x "$home/bin/java" ]; then
      echo "envelope: JAVA_HOME is $home, which has no bin/java; unset it or point it at a JDK 17 or later" >&2
      return 1
    fi
  else
    home="$(java_homes | sed -n '1s/^[0-9]* //p')"
    [ -n "$home" ] || home="$(java_home_of_path)"
  fi
  if [ -z "$home" ]; then
    echo "envelope: no Java found: install a JDK 17 or later, or set JAVA_HOME" >&2
    return 1
  fi
  major="$(java_major "$home")"
  if [ -z "$major" ]; then
    # No `release` file (an old JRE's jre/ directory, say): ask the JVM itself. 1.8 and older read as 1.
    major="$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1)"
    if [ -z "$major" ]; then
      echo "envelope: cannot tell which Java $home is; Envelope needs Java 17 or later (set JAVA_HOME)" >&2
      return 1
    fi
  fi
  if [ "$major" -lt 17 ] 2>/dev/null; then
    echo "envelope: $home is Java $major; Envelope needs Java 17 or later (set JAVA_HOME)" >&2
    return 1
  fi
  printf '%s\n' "$home"
}
