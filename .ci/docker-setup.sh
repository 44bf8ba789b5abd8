#!/usr/bin/env bash
# .ci/docker-setup.sh — start a private dockerd and import local/memcached:test for the docker backend tests; pulls nothing.
#
# Output contract: progress goes to stderr; the LAST line on stdout is `export DOCKER_HOST=unix://…`,
# and the same line is written to "$CDS_EMU_DOCKER_DIR/env". So either
#   eval "$(.ci/docker-setup.sh | tail -n 1)"      or      . .ci/docker-setup.sh
# (sourcing also exports DOCKER_HOST into the caller's shell). Idempotent: a running daemon and an
# existing image are reused. Needs root, `dockerd`, `docker` and /usr/bin/memcached (Debian packages).
# The daemon has no bridge and no iptables rules: containers can only use host networking, which is
# all the emulator needs, and nothing reaches outside the machine.

cds_emu_docker_setup() (
  set -euo pipefail
  local dir="${CDS_EMU_DOCKER_DIR:-/tmp/cds-emu-docker}"
  local image="${CDS_EMU_MEMCACHED_IMAGE:-local/memcached:test}"
  local bin="${CDS_EMU_MEMCACHED_BIN:-/usr/bin/memcached}"
  local sock="unix://$dir/docker.sock"
  local docker=(docker -H "$sock")
  mkdir -p "$dir"

  if "${docker[@]}" info >/dev/null 2>&1; then
    echo "docker-setup: reusing the daemon at $sock" >&2
  else
    # A pidfile left by a killed daemon makes dockerd refuse to start.
    if [[ -f "$dir/docker.pid" ]] && ! kill -0 "$(cat "$dir/docker.pid")" 2>/dev/null; then
      rm -f "$dir/docker.pid"
    fi
    echo "docker-setup: starting dockerd (log: $dir/dockerd.log)" >&2
    # setsid + nohup: the daemon must outlive the CI step's shell and its process group.
    setsid nohup dockerd \
      --host "$sock" \
      --data-root "$dir/data" \
      --exec-root "$dir/exec" \
      --pidfile "$dir/docker.pid" \
      --storage-driver=vfs \
      --iptables=false --ip6tables=false --bridge=none \
      >>"$dir/dockerd.log" 2>&1 </dev/null &
    local waited=0
    until "${docker[@]}" info >/dev/null 2>&1; do
      if (( waited >= 60 )); then
        echo "docker-setup: dockerd did not answer within 60 s; last log lines:" >&2
        tail -n 30 "$dir/dockerd.log" >&2 || true
        return 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
    echo "docker-setup: dockerd answers after ~${waited}s" >&2
  fi

  if "${docker[@]}" image inspect "$image" >/dev/null 2>&1; then
    echo "docker-setup: image $image already present" >&2
  else
    echo "docker-setup: building $image from $bin" >&2
    local root
    root="$(mktemp -d "$dir/rootfs.XXXXXX")"
    chmod 755 "$root" # mktemp's 0700 would become the image's / and lock out non-root users
    mkdir -p "$root/usr/bin" "$root/etc" "$root/tmp"
    chmod 1777 "$root/tmp"
    cp -L "$bin" "$root/usr/bin/memcached"
    # Every library at the path ldd prints (the loader looks there) and at its real path (merged /usr).
    local lib
    for lib in $(ldd "$bin" | grep -oE '/[^ ]+' | sort -u); do
      cp -L --parents "$lib" "$root/"
      local real
      real="$(readlink -f "$lib")"
      [[ -e "$root$real" ]] || cp -L --parents "$real" "$root/"
    done
    # memcached resolves the -u user through /etc/passwd (glibc's built-in files NSS).
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" -c . | "${docker[@]}" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["memcached", "-u", "root"]' \
      - "$image" >&2
    rm -rf "$root"
  fi
  echo "export DOCKER_HOST=$sock" >"$dir/env"
  echo "export DOCKER_HOST=$sock"
)

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced: export into the caller without leaking `set -e` into its shell.
  if __cds_emu_line="$(cds_emu_docker_setup)"; then
    eval "$(printf '%s\n' "$__cds_emu_line" | tail -n 1)"
    printf '%s\n' "$__cds_emu_line"
    unset __cds_emu_line
  else
    unset __cds_emu_line
    return 1
  fi
else
  cds_emu_docker_setup
fi
