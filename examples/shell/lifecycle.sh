#!/usr/bin/env bash
# examples/shell/lifecycle.sh — a whole instance lifecycle from a shell script with `call` and `wait`: create, use,
# resize, clear, delete. Starts its own emulator unless CDS_EMU_ENDPOINT names one already running.
set -euo pipefail
emu="${CDS_EMU_BIN:-npx cds-memcached-emulator}"
port="${CDS_EMU_PORT:-11210}"

if [[ -z "${CDS_EMU_ENDPOINT:-}" ]]; then
  $emu --data :memory: --port "$port" --task-delay-ms 200 --log-level warn &
  server=$!
  trap 'kill "$server"; wait "$server" || true' EXIT
  export CDS_EMU_ENDPOINT="http://127.0.0.1:$port"
  for _ in $(seq 100); do $emu call MemcachedInstanceList >/dev/null 2>&1 && break; sleep 0.1; done
fi

# `call` prints the answer as one JSON line when its output is not a terminal; pick a field with node.
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(s))))' "$1"; }

created=$($emu call CreateMemcachedInstance RegionId=CN_Beijing_H VdcId=a58052bf-3bfc-4d0c-a3a5-0bcca72589f5 \
  PipeId=48de2f3c-b3df-11ec-8bed-e6717c813be8 ConfSize=1G InstanceName=from-shell)
id=$(echo "$created" | field Data.InstanceIds.0)
task=$(echo "$created" | field Data.TaskIds.0)
echo "created $id (task $task)"

$emu wait "$id" running --timeout 60 | field Data.Address
$emu call DescribeTask TaskId:="$task" | field Data.Status

$emu call UpdateMemcachedInstance InstanceId="$id" ConfSize=2G >/dev/null
$emu wait "$id" running --timeout 60 | field Data.InstanceConf

$emu call ClearMemcachedInstance InstanceId="$id" >/dev/null
$emu wait "$id" running --timeout 60 >/dev/null

$emu call DeleteMemcachedInstance InstanceId="$id" >/dev/null
$emu wait "$id" gone --timeout 60
echo "deleted $id"

# An API error: exit code 1, the Code on stderr.
if $emu call DescribeMemcachedInstance InstanceId="$id" >/dev/null 2>/tmp/cds-emu-err.$$; then exit 1; fi
cat /tmp/cds-emu-err.$$ && rm -f /tmp/cds-emu-err.$$
