#!/usr/bin/env bash
# End-to-end: the official Kubernetes Python client (Debian python3-kubernetes) lists and
# watches through `fairway sandbox` (python_client_watch.py). The client sends watch=True, which
# the sandbox must decode as kube-apiserver does.
# usage: python_client_test.sh <fairway binary> <source root>
# Exit 77 (ctest SKIP_RETURN_CODE) when no python3 on the machine has the kubernetes module.
set -euo pipefail

FAIRWAY=${1:?fairway binary}
ROOT=${2:?source root}

# shellcheck source=lib.sh
. "$ROOT/tests/e2e/lib.sh"

# The Debian package installs for the system interpreter, which another python3 on PATH (pyenv)
# may shadow.
PY=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import kubernetes" 2>/dev/null; then
    PY=$candidate
    break
  fi
done
if [ -z "$PY" ]; then
  echo "SKIP: no python3 with the kubernetes module (Debian: python3-kubernetes)"
  exit 77
fi

use_scratch SB_PID
fail() { echo "FAIL: $*" >&2; echo "--- sandbox stderr" >&2; cat "$TMP/sandbox.err" >&2 || true; exit 1; }

"$FAIRWAY" sandbox --port 0 --nodes 1 --kubeconfig-out "$TMP/kubeconfig" >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SB_PID=$!
wait_for_sandbox "$TMP/sandbox.out" "$SB_PID"

timeout 60 "$PY" "$ROOT/tests/e2e/python_client_watch.py" "$TMP/kubeconfig" || fail "python client"
echo "PASS"
