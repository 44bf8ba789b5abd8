#!/usr/bin/env bash
# .ci/image.sh — builds the container image from a locally made Node 20 base and checks it in both modes and under
# docker-compose; pulls nothing from any registry, and sends traffic only to loopback or to containers on an internal network.
#
# The base: Debian bookworm minbase (debootstrap, from Debian's mirror) plus this machine's node, npm, Node headers
# and CA certificates, imported as local/node:20-bookworm-slim. The debootstrap output is cached in
# $CDS_EMU_IMAGE_CACHE (default /tmp/cds-emu-image-cache); the base image is reused while node and the recipe stay
# the same. Uses $DOCKER_HOST when a daemon answers there (.ci/run starts one), else starts a private one with
# .ci/docker-setup.sh and stops it at the end. Needs root, debootstrap, docker, docker-compose (v1) and node.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${CDS_EMU_IMAGE_CACHE:-/tmp/cds-emu-image-cache}"
mirror="${CDS_EMU_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
base=local/node:20-bookworm-slim
image=cds-memcached-emulator:ci
ci=cds-emu-ci # prefix of every container, volume, network and compose project this script makes
mkdir -p "$cache"

step() { echo "== image: $*"; }
fail() { echo "image: FAILED: $*" >&2; exit 1; }
now_ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }
elapsed() { echo "$(( $(now_ms) - $1 ))"; } # ms since $1, a now_ms
timings=()
t_all=$(now_ms)
record() { timings+=("$1: $2"); echo "   $1: $2"; }

# A clean CI machine may lack the two tools only this step uses (Debian's packages).
if ! command -v debootstrap >/dev/null || ! command -v docker-compose >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap docker-compose >/dev/null
fi

started_daemon=""
if [[ -z "${DOCKER_HOST:-}" ]] || ! docker info >/dev/null 2>&1; then
  export CDS_EMU_DOCKER_DIR="${CDS_EMU_DOCKER_DIR:-/tmp/cds-emu-docker-image}"
  eval "$(bash .ci/docker-setup.sh | tail -n 1)"
  started_daemon="$CDS_EMU_DOCKER_DIR/docker.pid"
fi

cleanup() {
  docker-compose -p "$ci" -f docker-compose.yml -f "$cache/compose.ci.yml" --profile service down -v --timeout 5 >/dev/null 2>&1 || true
  docker rm -f -v "$ci-default" "$ci-svc" "$ci-job" >/dev/null 2>&1 || true
  docker volume rm "$ci-default-data" "$ci-svc-data" >/dev/null 2>&1 || true
  docker network rm "$ci-net" >/dev/null 2>&1 || true
  if [[ -n "$started_daemon" && -f "$started_daemon" ]]; then kill "$(cat "$started_daemon")" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so that cleanup runs then too

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ---------------------------------------------------------------------------------------------------------------
# debootstrap's output, kept in the cache: the same for every run of this machine.
minbase_tar() {
  local tar="$cache/bookworm-minbase.tar" root
  if [[ ! -s "$tar" ]]; then
    echo "   debootstrap --variant=minbase bookworm from $mirror (log: $cache/debootstrap.log)" >&2
    root="$(mktemp -d "$cache/debootstrap.XXXXXX")"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || { tail -n 20 "$cache/debootstrap.log" >&2; fail "debootstrap"; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tar.part" . && mv "$tar.part" "$tar"
    rm -rf "$root"
  fi
  echo "$tar"
}

# The base: minbase made slim the way Debian's -slim images are, plus this machine's Node 20 laid out as in the
# official node image (/usr/local), its CA certificates, and the `node` user (uid 1000).
make_base() {
  local tar root prefix
  tar=$(minbase_tar)
  rm -rf "$cache"/base.* # what an interrupted run left
  root="$(mktemp -d "$cache/base.XXXXXX")"
  tar -C "$root" -xf "$tar"
  chmod 755 "$root"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
    "$mirror" "$mirror" "$mirror" >"$root/etc/apt/sources.list"
  # No documentation, manuals or translations, now or from later installs; no apt caches left in layers.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,groff,info}/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  prefix="$(dirname "$(dirname "$node_bin")")"
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/usr/local/include" "$root/usr/local/etc" \
    "$root/etc/ssl/certs" "$root/usr/share/ca-certificates"
  cp "$node_bin" "$root/usr/local/bin/node"
  cp -a "$(npm root -g)/npm" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # Headers let node-gyp compile better-sqlite3 without fetching them from nodejs.org.
  if [[ -d "$prefix/include/node" ]]; then cp -a "$prefix/include/node" "$root/usr/local/include/node"; fi
  # This machine's trust store (dereferenced: its links point into several folders); npm is told to use it.
  cp -rL /etc/ssl/certs/. "$root/etc/ssl/certs/"
  cp -a /usr/share/ca-certificates/. "$root/usr/share/ca-certificates/"
  echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$root/usr/local/etc/npmrc"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL cds-emu.base=\"$base_id\"" \
    --change 'CMD ["node"]' - "$base" >/dev/null
  rm -rf "$root"
}

step "base image $base"
t=$(now_ms)
node_bin="$(readlink -f "$(command -v node)")"
# Made again when node changes, or this recipe does (bump the number with any change to make_base).
base_id="node $(node --version), recipe 2"
if [[ "$(docker image inspect -f '{{index .Config.Labels "cds-emu.base"}}' "$base" 2>/dev/null || true)" == "$base_id" ]]; then
  echo "   reusing $base ($base_id)"
else
  make_base
fi
docker run --rm "$base" node --version >/dev/null || fail "$base does not run node"
record "base image" "$(elapsed "$t") ms"

# ---------------------------------------------------------------------------------------------------------------
step "docker build --build-arg NODE_IMAGE=$base"
t=$(now_ms)
# The legacy builder: this engine has no BuildKit client (no buildx). --network host reaches Debian and npm.
# The log's lines carry the seconds since the build started.
build_start=$SECONDS
if ! DOCKER_BUILDKIT=0 docker build --network host --build-arg "NODE_IMAGE=$base" -t "$image" . 2>&1 \
  | while IFS= read -r line; do printf '%4ss %s\n' "$((SECONDS - build_start))" "$line"; done >"$cache/build.log"; then
  tail -n 40 "$cache/build.log" >&2
  fail "docker build (log: $cache/build.log)"
fi
record "image build" "$(elapsed "$t") ms"
size=$(docker image inspect -f '{{.Size}}' "$image")
record "image size" "$(( size / 1000000 )) MB (base $(( $(docker image inspect -f '{{.Size}}' "$base") / 1000000 )) MB)"
docker run --rm --entrypoint sh "$image" -c '! dpkg -s perl >/dev/null 2>&1 && memcached --version' >/dev/null \
  || fail "the image has Debian's perl package, or memcached does not run"

# The job: creates an instance with the image's signed client, waits for running, and checks that memcached at the
# reported address stores and returns a value; prints "InstanceId Address:Port". `check ID ADDRESS:PORT` does the
# same for an instance that must already exist at that address. It runs with `docker exec` in a container of the image.
probe=$(cat <<'JS'
import net from 'node:net';
const [cmd, id, where] = process.argv.slice(1);
const { CdsMemcachedClient } = await import('/app/dist/client.mjs');
const client = new CdsMemcachedClient({ endpoint: process.env.CDS_EMU_ENDPOINT });
const memcached = (host, port) => new Promise((resolve, reject) => {
  const s = net.connect({ host, port });
  let got = '';
  s.setTimeout(10_000, () => s.destroy(new Error(`memcached at ${host}:${port} did not answer`)));
  s.on('connect', () => s.write('set cds-ci 0 0 2\r\nok\r\nget cds-ci\r\n'));
  s.on('data', (d) => {
    got += d;
    if (got.endsWith('END\r\n')) { s.end(); got.includes('STORED\r\nVALUE cds-ci 0 2\r\nok\r\n') ? resolve() : reject(new Error(`memcached answered ${JSON.stringify(got)}`)); }
  });
  s.on('error', reject);
});
let instanceId = id;
if (cmd === 'create') {
  const r = await client.createMemcachedInstance({ RegionId: 'CN_Beijing_H', VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5', PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8', ConfSize: '1G', InstanceName: 'ci' });
  instanceId = r.InstanceIds[0];
}
const d = await client.waitForStatus(instanceId, ['running'], 60_000, 250);
const at = `${d.Address}:${d.Port}`;
if (where && at !== where) throw new Error(`instance ${instanceId} is at ${at}, not ${where}`);
await memcached(d.Address, Number(d.Port));
console.log(`${instanceId} ${at}`);
JS
)
job() { # job CONTAINER ENDPOINT ARGS…
  local container=$1 endpoint=$2; shift 2
  docker exec -e "CDS_EMU_ENDPOINT=$endpoint" "$container" node --input-type=module -e "$probe" "$@"
}

# Nothing answers at ADDRESS:PORT on this machine's loopback any more (the container's memcacheds are gone).
refused() {
  node -e 'const [h, p] = process.argv[1].split(":"); require("net").connect(+p, h).on("connect", () => process.exit(1)).on("error", () => process.exit(0))' "$1"
}

wait_healthy() { # wait_healthy CONTAINER → ms until healthy
  local t0; t0=$(now_ms)
  for _ in $(seq 1 240); do
    case "$(docker inspect -f '{{.State.Health.Status}}' "$1")" in
      healthy) elapsed "$t0"; return 0 ;;
      unhealthy) docker logs --tail 20 "$1" >&2; fail "$1 is unhealthy" ;;
    esac
    sleep 0.25
  done
  docker logs --tail 20 "$1" >&2
  fail "$1 not healthy after 60 s"
}

exited_0() { # exited_0 CONTAINER: it stopped with exit code 0
  local code; code=$(docker inspect -f '{{.State.ExitCode}}' "$1")
  [[ "$code" == 0 ]] || { docker logs --tail 20 "$1" >&2; fail "$1 exited $code on docker stop"; }
}

stop_checked() { # stop_checked CONTAINER → ms; the container must exit 0
  local t0 took; t0=$(now_ms)
  docker stop -t 15 "$1" >/dev/null
  took=$(elapsed "$t0")
  exited_0 "$1"
  echo "$took"
}

# ---------------------------------------------------------------------------------------------------------------
step "default mode: host networking, the API and instances on loopback"
port=$(free_port)
docker run -d --name "$ci-default" --network host -v "$ci-default-data:/data" \
  -e CDS_EMU_HOST=127.0.0.1 -e "CDS_EMU_PORT=$port" "$image" >/dev/null
ms=$(wait_healthy "$ci-default"); record "default: healthy after" "$ms ms"
out=$(job "$ci-default" "http://127.0.0.1:$port" create) || fail "default mode: create → running → memcached"
read -r id at <<<"$out"
[[ "$at" == 127.* ]] || fail "default mode: instance at $at, not on loopback"
echo "   $id running at $at; memcached answers"
ms=$(stop_checked "$ci-default"); record "default: docker stop (exit 0)" "$ms ms"
refused "$at" || fail "default mode: something still answers at $at after docker stop"
docker start "$ci-default" >/dev/null
ms=$(wait_healthy "$ci-default"); record "default: healthy again after" "$ms ms"
job "$ci-default" "http://127.0.0.1:$port" check "$id" "$at" >/dev/null || fail "default mode: $id not back at $at after a restart"
echo "   after the restart $id is running at $at again; memcached answers"
# A new container on the same volume (an upgrade, compose down/up): the state file brings the instance back.
ms=$(stop_checked "$ci-default")
docker rm -v "$ci-default" >/dev/null
docker run -d --name "$ci-default" --network host -v "$ci-default-data:/data" \
  -e CDS_EMU_HOST=127.0.0.1 -e "CDS_EMU_PORT=$port" "$image" >/dev/null
ms=$(wait_healthy "$ci-default"); record "default: a new container on the volume healthy after" "$ms ms"
job "$ci-default" "http://127.0.0.1:$port" check "$id" "$at" >/dev/null || fail "default mode: $id not back at $at in a new container"
echo "   in a new container on the same volume $id is running at $at again; memcached answers"
ms=$(stop_checked "$ci-default")
docker rm -v "$ci-default" >/dev/null

# ---------------------------------------------------------------------------------------------------------------
step "service-container mode: a job container on an internal user network reaches the API and the instance by name"
# --internal: the network has no gateway, so nothing on it can route off this machine. The job is a container of
# the same image (it has node and the client) that idles until the checks exec into it. The admin token proves that
# the health check sends it.
# Its subnet is in the benchmarking range (198.18.0.0/15): neither private nor public, so no container address on it
# is one of the ranges the workplace forbids as a traffic target (Docker's default pools are 172.17+/192.168).
docker network create --internal --subnet 198.18.2.0/24 "$ci-net" >/dev/null
docker run -d --name "$ci-job" --network "$ci-net" --entrypoint node "$image" -e 'setInterval(() => {}, 1 << 30)' >/dev/null
docker run -d --name "$ci-svc" --network "$ci-net" --network-alias emulator -v "$ci-svc-data:/data" \
  -e CDS_EMU_ADVERTISE_HOST=emulator -e CDS_EMU_INSTANCE_PORTS=11211-11230 -e CDS_EMU_ADMIN_TOKEN=ci-token "$image" >/dev/null
ms=$(wait_healthy "$ci-svc"); record "service: healthy after" "$ms ms"
out=$(job "$ci-job" http://emulator:11210 create) || fail "service mode: create → running → memcached by name"
read -r id at <<<"$out"
[[ "$at" == emulator:11211 ]] || fail "service mode: instance at $at, not emulator:11211"
echo "   $id running at $at; memcached answers by name"
ms=$(stop_checked "$ci-svc"); record "service: docker stop (exit 0)" "$ms ms"
docker start "$ci-svc" >/dev/null
ms=$(wait_healthy "$ci-svc"); record "service: healthy again after" "$ms ms"
job "$ci-job" http://emulator:11210 check "$id" "$at" >/dev/null || fail "service mode: $id not back at $at after a restart"
echo "   after the restart $id is running at $at again; memcached answers"
ms=$(stop_checked "$ci-svc")
docker rm -v "$ci-svc" >/dev/null

# ---------------------------------------------------------------------------------------------------------------
step "docker-compose: both services healthy"
# Compose's network is the internal one above (Docker publishes no ports on it, and nothing routes off the machine),
# where the job reaches emulator-svc by name. The image is the one built above.
cat >"$cache/compose.ci.yml" <<YAML
networks:
  default:
    external: true
    name: $ci-net
YAML
docker tag "$image" cds-memcached-emulator:local
compose=(docker-compose -p "$ci" -f docker-compose.yml -f "$cache/compose.ci.yml" --profile service)
port=$(free_port)
export CDS_EMU_PORT=$port
t=$(now_ms)
"${compose[@]}" up -d --no-build >"$cache/compose.log" 2>&1 || { cat "$cache/compose.log" >&2; fail "docker-compose up"; }
c1=$("${compose[@]}" ps -q emulator) && c2=$("${compose[@]}" ps -q emulator-svc) || fail "docker-compose ps"
wait_healthy "$c1" >/dev/null
wait_healthy "$c2" >/dev/null
record "compose: both healthy after" "$(elapsed "$t") ms"
job "$c1" "http://127.0.0.1:$port" create >/dev/null || fail "compose emulator: create → running → memcached"
out=$(job "$ci-job" "http://emulator-svc:$port" create) || fail "compose emulator-svc: create → running → memcached by name"
read -r _ at <<<"$out"
[[ "$at" == emulator-svc:11211 ]] || fail "compose emulator-svc: instance at $at, not emulator-svc:11211"
echo "   emulator: an instance runs on loopback; emulator-svc: an instance runs at $at"
# The default CDS_EMU_NOFILE is enough for the vendor's 10000 connections.
conns=$(docker exec "$c1" sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f" 2>/dev/null; echo; done' | sed -n 's/^[^ ]*memcached .*-c \([0-9]*\).*/\1/p' | head -n 1)
[[ "$conns" == 10000 ]] || fail "compose emulator: memcached runs with -c '$conns', not 10000 (nofile $(docker exec "$c1" sh -c 'ulimit -Hn'))"
t=$(now_ms)
"${compose[@]}" stop >>"$cache/compose.log" 2>&1 || fail "docker-compose stop"
record "compose: stop (both exit 0)" "$(elapsed "$t") ms"
exited_0 "$c1"
exited_0 "$c2"
"${compose[@]}" down -v >>"$cache/compose.log" 2>&1 || fail "docker-compose down"
unset CDS_EMU_PORT

record "image step in all" "$(elapsed "$t_all") ms"
step "all checks passed"
printf '   %s\n' "${timings[@]}"
