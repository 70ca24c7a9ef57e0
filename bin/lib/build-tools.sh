# Sourced by bin/envelope, bin/test and bin/bench: installs a JDK 17 and Maven from Debian when missing.
ensure_build_tools() {
  local missing=()
  command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  install_debian_packages "${missing[@]}"
}

# Used by bin/test: the PKCS#11 key service's tests run against a real SoftHSM2 token.
ensure_test_tools() {
  local missing=()
  command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
  install_debian_packages "${missing[@]}"
}

install_debian_packages() {
  [ $# -eq 0 ] && return 0
  echo "envelope: installing $* (needed to build or test Envelope)" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq "$@" >&2
}
