#!/usr/bin/env bash
# .ci/docker-publish.sh — runs the docker backend tests with published ports (CDS_EMU_DOCKER_NETWORK=publish) against a
# second, private dockerd that lives in a network namespace of its own; pulls nothing, leaves nothing behind.
#
# Why a namespace: publishing needs a bridge, and docker-proxy forwards 127.0.0.1:PORT to the container's address on
# it. The main CI engine has no bridge (--bridge=none), and no test may send a packet to a bridge address of this
# machine. So this engine, its bridge (198.18.0.0/24: the benchmarking range, neither private nor public), the tests,
# their emulators and docker-proxy all run in one namespace made here, which has no link out: only its loopback and
# that bridge. Every connection a test or an emulator opens goes to that namespace's 127.0.0.1.
#
# Needs root, ip, nsenter, dockerd, and DOCKER_HOST naming the main engine (the image is copied from there).
# Prints one line `docker publish mode: passed N, failed N, skipped N` and exits non-zero if a test failed.
set -euo pipefail
cd "$(dirname "$0")/.."
image="${CDS_EMU_MEMCACHED_IMAGE:-local/memcached:test}"
: "${DOCKER_HOST:?DOCKER_HOST must name the engine that holds $image}"
dir="$(mktemp -d /tmp/cds-emu-publish.XXXXXX)"
ns="cds-emu-publish-$$"
sock="unix://$dir/docker.sock"
in_ns=(nsenter --net="/var/run/netns/$ns")

cleanup() {
  if [[ -f "$dir/docker.pid" ]]; then
    local pid
    pid="$(cat "$dir/docker.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$dir" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
"${in_ns[@]}" ip link set lo up
# nsenter joins only the network namespace: `ip netns exec` would also remount /sys and hide the cgroups dockerd needs.
"${in_ns[@]}" setsid nohup dockerd \
  --host "$sock" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
  --storage-driver=vfs --iptables=false --ip6tables=false \
  --bip 198.18.0.1/24 --default-address-pool base=198.18.0.0/16,size=24 \
  >"$dir/dockerd.log" 2>&1 </dev/null &
for waited in $(seq 60); do
  docker -H "$sock" info >/dev/null 2>&1 && break
  if (( waited == 60 )); then echo "docker-publish: dockerd did not answer within 60 s" >&2; tail -n 30 "$dir/dockerd.log" >&2; exit 1; fi
  sleep 1
done
docker -H "$DOCKER_HOST" save "$image" | docker -H "$sock" load >&2

status=0
"${in_ns[@]}" env DOCKER_HOST="$sock" CDS_EMU_DOCKER_NETWORK=publish CDS_EMU_REQUIRE_DOCKER=1 CDS_EMU_MEMCACHED_IMAGE="$image" \
  npx vitest run test/backends/docker.test.ts test/backends/api-docker.test.ts \
  --reporter=default --reporter=json --outputFile.json="$dir/vitest.json" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`docker publish mode: passed ${r.numPassedTests}, failed ${r.numFailedTests}, skipped ${r.numPendingTests + r.numTodoTests}`);
  if (r.numPassedTests === 0) process.exit(1);
' "$dir/vitest.json" || status=1
exit "$status"
