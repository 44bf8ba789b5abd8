#!/usr/bin/env bash
# .ci/node-versions.sh — runs the api and backends test projects under Node 22 and 24 too (the main step runs every
# project under the machine's Node): npm's node-<os>-<arch> packages give the binaries and headers, and a copy of the
# checkout gets better-sqlite3 rebuilt for each. One summary line per version; exits 1 if any version failed.
# Knobs: CDS_EMU_NODE_VERSIONS (default "22 24"); CDS_EMU_NODE_TESTS (vitest file filters, to try a few files only);
# CDS_EMU_NODES_DIR keeps the Node packages, the copies and each
# version's compiled better-sqlite3 between runs (bench/start.ts reads it), else a temporary folder removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
versions=${CDS_EMU_NODE_VERSIONS:-22 24}
read -r -a filters <<<"${CDS_EMU_NODE_TESTS:-}"
if [[ -n "${CDS_EMU_NODES_DIR:-}" ]]; then
  work=$CDS_EMU_NODES_DIR
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/cds-emu-nodes-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # Readable by other users (mktemp makes it 700): the tests that run the emulator as uid 65534 need the copies.
  chmod 755 "$work"
fi
mkdir -p "$work/node"

os=$(node -p 'process.platform'); arch=$(node -p 'process.arch')
case "$os" in linux | darwin) ;; *) echo "node-versions: no npm package of Node for $os; skipped"; exit 0 ;; esac
seconds() { local s=$(($(date +%s) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

echo "== node-versions: Node $versions from npm (node-$os-$arch)"
t=$(date +%s)
[[ -f "$work/node/package.json" ]] || echo '{ "private": true }' >"$work/node/package.json"
specs=()
for v in $versions; do specs+=("node$v@npm:node-$os-$arch@$v"); done
npm install --prefix "$work/node" --no-audit --no-fund --loglevel=error "${specs[@]}" >/dev/null
echo "installed in $(seconds "$t")"

bsq=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
failed=0
for v in $versions; do
  t=$(date +%s)
  nodedir="$work/node/node_modules/node$v"
  nodebin="$nodedir/bin/node"
  full=$("$nodebin" -v)
  copy="$work/v$v/project"
  # The checkout as git sees it (tracked and new files, not what .gitignore lists), without node_modules or dist/.
  rm -rf "$copy" && mkdir -p "$copy"
  if [[ -d .git || -f .git ]]; then
    git ls-files -z -c -o --exclude-standard | tar -c --null -T - --ignore-failed-read -f - 2>/dev/null | tar -x -C "$copy"
  else
    tar -c --exclude=./node_modules --exclude=./dist -f - . | tar -x -C "$copy"
  fi
  # Dependencies hard-linked (cheap; copied where links cannot be made), except what is written per version:
  # better-sqlite3 (a native addon built for one Node ABI) and vite's cache.
  cp -al node_modules "$copy/node_modules" 2>/dev/null || { rm -rf "$copy/node_modules"; cp -a node_modules "$copy/node_modules"; }
  rm -rf "$copy/node_modules/better-sqlite3" "$copy/node_modules/.vite"
  cp -a node_modules/better-sqlite3 "$copy/node_modules/better-sqlite3"
  # Before it is rebuilt: a better-sqlite3 built for the machine's Node, started under this one (what a user who switches
  # Node versions meets) is refused in one line that says so and names npm rebuild.
  code=0
  abi=$(cd "$copy" && "$nodebin" bin/cds-memcached-emulator.js --backend none --data :memory: --port 0 2>&1 >/dev/null) || code=$?
  if [[ $code == 1 ]] && grep -q "which keeps the emulator's state, was built in .* for another Node.js (module version .*fix: run \`npm rebuild better-sqlite3\`" <<<"$abi"; then
    echo "node $full: a better-sqlite3 built for $(node -v) is refused in one line, exit 1"
  else
    echo "node $full: a better-sqlite3 built for $(node -v) was not explained (exit $code):"
    tail -n 5 <<<"$abi"
    failed=1
  fi
  addon="$work/v$v/better_sqlite3-$bsq-$full.node"
  if [[ -f "$addon" ]]; then
    cp "$addon" "$copy/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
    built="better-sqlite3 from the cache"
  else
    tb=$(date +%s)
    # From source against this Node's headers (no prebuilt download).
    if ! (cd "$copy" && PATH="$nodedir/bin:$PATH" npm_config_build_from_source=true npm rebuild better-sqlite3 --nodedir="$nodedir" --loglevel=error) >"$work/v$v/rebuild.log" 2>&1; then
      tail -n 40 "$work/v$v/rebuild.log"
      echo "node $full: better-sqlite3 $bsq did not build; api and backends not run"
      failed=1
      continue
    fi
    cp "$copy/node_modules/better-sqlite3/build/Release/better_sqlite3.node" "$addon"
    built="better-sqlite3 built in $(seconds "$tb")"
  fi
  report="$work/v$v/vitest.json"
  rm -f "$report"
  status=0
  (cd "$copy" && PATH="$nodedir/bin:$PATH" npx vitest run --project api --project backends --reporter=default --reporter=json --outputFile.json="$report" "${filters[@]}") >"$work/v$v/vitest.log" 2>&1 || status=$?
  # A different form from the main step's closing `tests:` line, which is the one CI reads.
  summary=$("$nodebin" -e '
    const fs = require("fs");
    if (!fs.existsSync(process.argv[1])) { console.log("no report"); process.exit(); }
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} ok, ${r.numFailedTests} failing, ${r.numPendingTests + r.numTodoTests} skipped`);
    for (const f of r.testResults) for (const a of f.assertionResults) if (a.status === "failed") console.error(`  failing: ${f.name.replace(process.argv[2], "")} > ${a.fullName}`);
  ' "$report" "$copy/" 2>"$work/v$v/failing.txt") || summary="unreadable report"
  if [[ $status -ne 0 ]]; then
    failed=1
    cat "$work/v$v/failing.txt"
    tail -n 60 "$work/v$v/vitest.log"
  fi
  echo "node $full: api+backends $summary (exit $status) in $(seconds "$t"), $built"
done
exit "$failed"
