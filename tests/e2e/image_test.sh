#!/usr/bin/env bash
# The container image, built and run without a Docker engine: tools/image.sh builds it into an
# OCI archive (the root filesystem cached under ~/.cache/fairway, so only the first run on a
# machine pays for mmdebstrap), then buildah loads that archive into a private store and runs,
# with chroot isolation and the host's network:
#   - `fairway version` (the image's version, as user 65532, with the OCI labels set);
#   - `fairway operator` against a `fairway sandbox` on the host, until a job it scheduled is
#     bound and Complete.
# usage: image_test.sh <build dir> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) without kubectl, mmdebstrap or buildah, or when not root
# (buildah's chroot isolation needs it here).
set -euo pipefail

BUILD=${1:?build dir}
ROOT=${2:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"
require_kubectl
for tool in mmdebstrap buildah; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found (tools/install-deps.sh)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for buildah's chroot isolation"; exit 77; }

use_scratch RUN_PID SB_PID
CTR=""
bah() { buildah --storage-driver vfs --root "$TMP/store/root" --runroot "$TMP/store/run" "$@"; }
cleanup_image() {
  # The operator runs under `buildah run`: stop it (its own process group) before the store goes.
  [ -z "$RUN_PID" ] || kill -- "-$RUN_PID" 2>/dev/null || true
  [ -z "$CTR" ] || bah rm "$CTR" >/dev/null 2>&1 || true
  scratch_cleanup
}
trap cleanup_image EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- operator log (tail)" >&2; tail -n 20 "$TMP"/operator.log >&2 2>/dev/null || true
  exit 1
}
step() { echo "== $*"; }

step "tools/image.sh"
start=$SECONDS
FAIRWAY_IMAGE_OUT="$TMP/fairway-image.tar" "$ROOT/tools/image.sh" "$BUILD" >"$TMP/image.log" 2>&1 ||
  { tail -n 30 "$TMP/image.log"; fail "tools/image.sh"; }
tail -n 1 "$TMP/image.log"
echo "image built in $((SECONDS - start)) s"
version=$("$BUILD/operator/fairway" version | awk '{print $2}')

step "the Dockerfile's runtime stage installs the same packages"
# bookworm-slim has libc6, libgcc-s1 and libstdc++6 already (apt needs them).
grep -q '^image.sh: runtime packages: .' "$TMP/image.log" || fail "image.sh listed no runtime packages"
for p in $(sed -n 's/^image.sh: runtime packages: //p' "$TMP/image.log"); do
  case "$p" in libc6 | libgcc-s1 | libstdc++6) continue ;; esac
  grep -qw -- "$p" "$ROOT/Dockerfile" || fail "the Dockerfile does not install $p"
done

step "the archive loads; user, entrypoint and labels"
CTR=$(bah from --quiet "oci-archive:$TMP/fairway-image.tar") || fail "buildah from the archive"
[ "$(bah inspect --format '{{.OCIv1.Config.User}}' "$CTR")" = 65532:65532 ] || fail "user is not 65532"
labels=$(bah inspect --format '{{range $k, $v := .OCIv1.Config.Labels}}{{$k}}={{$v}}{{"\n"}}{{end}}' "$CTR")
for key in org.opencontainers.image.revision org.opencontainers.image.source \
  org.opencontainers.image.created; do
  grep -q "^$key=." <<<"$labels" || fail "label $key missing: $labels"
done
grep -qx "org.opencontainers.image.version=$version" <<<"$labels" || fail "version label: $labels"
[ "$(bah inspect --format '{{index .OCIv1.Config.Entrypoint 0}}' "$CTR")" = /usr/local/bin/fairway ] ||
  fail "entrypoint is not /usr/local/bin/fairway"

step "fairway version from the image"
out=$(bah run --isolation chroot "$CTR" -- fairway version) || fail "fairway version: $out"
[ "$out" = "fairway $version" ] || fail "fairway version printed '$out'"
[ "$(bah run --isolation chroot "$CTR" -- id -u)" = 65532 ] || fail "not running as 65532"
bah run --isolation chroot "$CTR" -- test -x /usr/local/bin/kubectl-fairway ||
  fail "kubectl-fairway missing from the image"

step "fairway operator from the image against a sandbox on the host"
"$BUILD/operator/fairway" sandbox --port 0 --nodes 1 --gpus-per-node 8 --crds "$ROOT/crds" \
  --start-delay-ms 100 --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"
K=(kubectl --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/cache" --request-timeout=10s)
bah copy --chown 65532:65532 "$CTR" "$TMP/kubeconfig" /home/nonroot/kubeconfig >/dev/null
# setsid: the operator and buildah get a process group of their own, stopped as one.
setsid buildah --storage-driver vfs --root "$TMP/store/root" --runroot "$TMP/store/run" \
  run --isolation chroot --network host "$CTR" -- fairway operator \
  --kubeconfig /home/nonroot/kubeconfig --metrics-address 127.0.0.1:0 --no-webhook \
  --cycle-interval-ms 200 >"$TMP/operator.log" 2>&1 &
RUN_PID=$!

"${K[@]}" apply -f - >/dev/null <<'YAML' || fail "kubectl apply"
apiVersion: fairway.dev/v1alpha1
kind: Partition
metadata: {name: gpu}
spec: {default: true}
---
apiVersion: fairway.dev/v1alpha1
kind: Account
metadata: {name: physics}
spec: {users: [alice]}
---
apiVersion: fairway.dev/v1alpha1
kind: Job
metadata:
  name: from-image
  annotations: {fairway.dev/sim-duration: "1"}
spec: {nodes: 1, resources: {gpus: 2}, user: alice, account: physics}
YAML
"${K[@]}" wait --for=condition=Started fjob/from-image --timeout=60s || fail "job never Started"
node=$("${K[@]}" get pods -o jsonpath='{.items[0].spec.nodeName}')  # the job's only pod
[ -n "$node" ] || fail "the job's pod was not bound"
"${K[@]}" wait --for=condition=Complete fjob/from-image --timeout=60s || fail "job never Complete"
grep -q 'operator started' "$TMP/operator.log" || fail "no 'operator started' in the image's log"
echo "PASS: image $version built and run; job bound to $node and Complete"
