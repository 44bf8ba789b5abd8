#!/usr/bin/env bash
# .ci/examples.sh — the Python and Go examples from the checkout, as a user runs them: each starts the built bin with
# `serve --port 0 --ready-json` and drives a lifecycle on the process backend. Builds dist/ first if a source is newer.
# Prints one line per example (`examples: python passed` / `FAILED`, its output above it on failure); exits 1 if one failed.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! node --input-type=module -e 'const m = await import("./scripts/build.mjs"); process.exit(m.bundleStaleness() ? 1 : 0)'; then
  node scripts/build.mjs --no-types >/dev/null || { echo "examples: FAILED (npm run build)"; exit 1; }
fi

status=0
out=$(mktemp -d)
run() {
  local name=$1
  shift
  if "$@" >"$out/$name.log" 2>&1; then
    echo "examples: $name passed"
  else
    cat "$out/$name.log"
    echo "examples: $name FAILED"
    status=1
  fi
}

run python python3 -m pytest -q examples/python
# GOPROXY=off: the module has no dependencies, and a download attempt must fail here rather than pass on a network.
run go bash -c 'cd examples/go && GOTOOLCHAIN=local GOPROXY=off go test -count=1 ./...'
exit "$status"
