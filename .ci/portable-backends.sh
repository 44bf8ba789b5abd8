#!/usr/bin/env bash
# .ci/portable-backends.sh — the process-backend suite once more with CDS_EMU_PORTABLE=1: no /proc, only 127.0.0.1 with a
# port per instance, as on macOS. Prints one summary line of its own (not the `tests: …` line of the main run) and exits
# non-zero when a test failed or no report was written.
set -uo pipefail
cd "$(dirname "$0")/.."

# Every file that runs real memcacheds through the process backend (portable*.test.ts set the switch themselves and
# already ran in the main suite).
files=(
  test/backends/process.test.ts test/backends/process-scan.test.ts test/backends/api-process.test.ts
  test/backends/watchdog.test.ts test/backends/fleet.test.ts test/backends/address-blocks.test.ts
  test/backends/ownership.test.ts test/backends/npm-start-crash.test.ts test/backends/startup-failures.test.ts
  test/backends/disk-full.test.ts test/backends/advertise.test.ts test/backends/port-range.test.ts
)
report="$(mktemp -d)/vitest-portable.json"
status=0
CDS_EMU_PORTABLE=1 npx vitest run --project backends "${files[@]}" --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node -e '
  const fs = require("fs");
  if (!fs.existsSync(process.argv[1])) { console.log("portable process backend (CDS_EMU_PORTABLE=1): no report written"); process.exit(1); }
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`portable process backend (CDS_EMU_PORTABLE=1): ${r.numFailedTests === 0 ? "ok" : "FAILED"}, passed=${r.numPassedTests} failed=${r.numFailedTests} skipped=${skipped} in ${r.testResults.length} files`);
  process.exit(r.numFailedTests === 0 && r.numPassedTests > 0 ? 0 : 1);
' "$report" || status=1
exit "$status"
