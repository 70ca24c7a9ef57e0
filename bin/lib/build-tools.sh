# Sourced by bin/envelope, bin/test and bin/bench: installs a JDK 17 and Maven from Debian when missing.
ensure_build_tools() {
  local missing=()
  command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  install_debian_packages "${missing[@]}"
}

# Used by bin/test: the tests run against real servers and devices, never mocks: a SoftHSM2 token (PKCS#11),
# a throwaway PostgreSQL cluster, dynalite (a DynamoDB stand-in, from npm) and S3Proxy (from Maven Central, in
# the build). Each test starts its own on loopback on a free port and stops it afterwards. The benchmark's smoke
# test runs Envelope beside openssl and age, reads peak memory through /usr/bin/time and drives the server with
# curl: it fails when one of them is missing, so they are installed here too.
ensure_test_tools() {
  local missing=()
  command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  { command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1; } || missing+=(age)
  [ -x /usr/bin/time ] || missing+=(time)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # The web page's browser tests: Debian's Chromium and its chromedriver, at the paths the tests name (never a
  # browser a test tool downloads by itself).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  # The S3 API's client tests: Debian's AWS CLI (at /usr/bin/aws: another 'aws' may come first on PATH) and rclone,
  # a client not made by AWS.
  [ -x /usr/bin/aws ] || missing+=(awscli)
  [ -x /usr/bin/rclone ] || missing+=(rclone)
  install_debian_packages "${missing[@]}"
  ensure_dynalite
}

# dynalite 4 (npm) under ~/.cache/envelope-test-tools, where the DynamoDB tests look for it
# (ENVELOPE_DYNALITE overrides: the path of its cli.js).
DYNALITE_VERSION=4.0.0
ensure_dynalite() {
  local dir="${HOME}/.cache/envelope-test-tools/dynalite-${DYNALITE_VERSION}"
  [ -f "$dir/node_modules/dynalite/cli.js" ] && return 0
  echo "envelope: installing dynalite ${DYNALITE_VERSION} from npm into $dir (the DynamoDB stand-in)" >&2
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" "dynalite@${DYNALITE_VERSION}" >&2
}

install_debian_packages() {
  [ $# -eq 0 ] && return 0
  echo "envelope: installing $* (needed to build or test Envelope)" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq "$@" >&2
}
