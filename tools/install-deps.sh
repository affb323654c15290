#!/usr/bin/env bash
# Installs the Debian packages Fairway needs to build and test, skipping what is already there.
# Idempotent: safe to run before every build (the README commands and .ci/run do).
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libssl-dev zlib1g-dev
  nlohmann-json3-dev libyaml-cpp-dev prometheus-cpp-dev libcivetweb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev
  openssl python3 python3-kubernetes
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
