#!/usr/bin/env bash
# Builds the Fairway container image without a Docker engine, from Debian's tools only:
#   1. a Debian bookworm root filesystem with only the shared libraries that `fairway` and
#      `kubectl-fairway` load (mmdebstrap --variant=apt), cached by its package list;
#   2. buildah (vfs storage, no daemon, no overlay mounts) puts it in a layer from scratch, copies
#      the two binaries, adds the non-root user 65532 and the OCI labels, and commits;
#   3. the image is written as an OCI archive that `podman load`, `docker load`,
#      `kind load image-archive` and `ctr images import` take.
#
# usage: tools/image.sh [BUILD_DIR]        (default ./build, which tools/build.sh fills)
# env:   FAIRWAY_IMAGE_CACHE  rootfs cache (default ~/.cache/fairway); the first build runs
#                             mmdebstrap (3-4 min), later ones with the same package list reuse it
#        FAIRWAY_IMAGE_OUT    the archive (default BUILD_DIR/fairway-image.tar)
#        FAIRWAY_IMAGE_NAME   image name (default fairway; the tag is `fairway version`)
# Needs: mmdebstrap, buildah, dpkg (tools/install-deps.sh installs them), root or user namespaces.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
cache="${FAIRWAY_IMAGE_CACHE:-$HOME/.cache/fairway}"
out="${FAIRWAY_IMAGE_OUT:-$build/fairway-image.tar}"
name="${FAIRWAY_IMAGE_NAME:-fairway}"
suite=bookworm

fail() {
  echo "image.sh: $*" >&2
  exit 1
}

binaries=("$build/operator/fairway" "$build/tools/kubectl-fairway/kubectl-fairway")
for b in "${binaries[@]}"; do
  [ -x "$b" ] || fail "$b not found: run tools/build.sh first"
done
for tool in mmdebstrap buildah dpkg-query; do
  command -v "$tool" >/dev/null || fail "$tool not found: run tools/install-deps.sh"
done
version="$("${binaries[0]}" version | awk '{print $2}')"
[ -n "$version" ] || fail "cannot read the version from ${binaries[0]}"

# The Debian packages that own the libraries the binaries load (what ldd resolves on this
# bookworm machine), plus CA certificates for TLS to API servers with public certificates.
# One dpkg-query for all of them: it reads every package's file list per call. The pattern is
# the library's real file name with its multiarch directory (so lib32 and i386 packages do not
# match), since merged-/usr paths differ from those packages list.
runtime_packages() {
  local -a patterns
  mapfile -t patterns < <(ldd "${binaries[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
    xargs -n1 readlink -f | awk -F/ '{print "*/" $(NF-1) "/" $NF}' | sort -u)
  dpkg-query -S "${patterns[@]}" | grep -v '^diversion' | cut -d: -f1 | tr -d ' ' | tr ',' '\n'
  echo ca-certificates
}
mapfile -t packages < <(runtime_packages | sort -u)
[ ${#packages[@]} -gt 1 ] || fail "no runtime packages found for ${binaries[*]}"
echo "image.sh: runtime packages: ${packages[*]}"

# Documentation and translations are not needed to run two binaries.
mmdebstrap_opts=(--variant=apt --format=tar
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright')
# The rootfs cache is keyed by everything that goes into it (remove the file to pick up Debian's
# updates of the same packages).
key="$(printf '%s\n' "$suite" "${mmdebstrap_opts[@]}" "${packages[@]}" | sha256sum | cut -c1-16)"
rootfs="$cache/rootfs-$suite-$key.tar"
mkdir -p "$cache"
if [ ! -s "$rootfs" ]; then
  echo "image.sh: building the $suite root filesystem into $rootfs"
  mmdebstrap "${mmdebstrap_opts[@]}" --include="$(IFS=,; echo "${packages[*]}")" \
    "$suite" "$rootfs.partial"
  mv "$rootfs.partial" "$rootfs"
else
  echo "image.sh: reusing $rootfs"
fi

# A private buildah store, removed on exit: nothing is left in the machine's container storage.
store="$(mktemp -d)"
ctr=""
bah() { buildah --storage-driver vfs --root "$store/root" --runroot "$store/run" "$@"; }
cleanup() {
  [ -z "$ctr" ] || bah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$store"
}
trap cleanup EXIT

ctr="$(bah from --quiet scratch)"
bah add "$ctr" "$rootfs" /
# The non-root user the Deployment runs as (runAsUser 65532, as distroless images name it).
mnt="$(bah mount "$ctr")"
echo "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin" >>"$mnt/etc/passwd"
echo "nonroot:x:65532:" >>"$mnt/etc/group"
install -d -o 65532 -g 65532 -m 0750 "$mnt/home/nonroot"
bah umount "$ctr" >/dev/null
bah copy --chown 0:0 --chmod 0755 "$ctr" "${binaries[@]}" /usr/local/bin/

revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
bah config --user 65532:65532 --workingdir /home/nonroot \
  --entrypoint '["/usr/local/bin/fairway"]' --cmd '["operator"]' \
  --port 8080/tcp --port 9443/tcp \
  --label org.opencontainers.image.title=fairway \
  --label "org.opencontainers.image.description=Slurm semantics for the GPU nodes of a Kubernetes cluster: operator and kubectl plugin" \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$revision" \
  --label "org.opencontainers.image.created=$created" \
  --label org.opencontainers.image.source=https://github.com/fairway-dev/fairway \
  --label "org.opencontainers.image.base.name=debian:$suite" \
  "$ctr"
rm -f "$out"
bah commit --quiet --format oci "$ctr" "oci-archive:$out:$name:$version" >/dev/null
echo "image.sh: wrote $out ($name:$version, $(du -h "$out" | cut -f1))"
