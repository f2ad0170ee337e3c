#!/usr/bin/env bash
# Sourced by .ci/run (CI) and scripts/example.sh (the README's first command): installs the Debian
# packages berth's tests, benchmarks and examples need when they are missing, checks Node.js, and
# makes sure a Docker engine answers. Defines DOCKERD_PID when it had to start dockerd.
#
# Environment: BERTH_CI_DOCKERD_TIMEOUT (seconds to wait for a dockerd this script starts, default 60).
export DEBIAN_FRONTEND=noninteractive

# Debian packages the tests and benchmarks need, as "package:probe". The probe is a command that the
# package provides; without one, `dpkg -s` decides.
#   docker.io       dockerd (+ containerd, runc as dependencies): the Docker runtime and interop tests
#   docker-compose  Compose v1 (Python), the benchmark's reference and later interop tests
#   runc            the OCI runtime berth's built-in engine drives
#   containerd      pulled by docker.io; listed so a partial install is completed
#   iproute2        `ip`, for the network tests
#   git             the tests read the checkout
#   busybox-static  /bin/busybox: the offline test image is built from it
#   debootstrap     the offline Debian test images (nginx, postgres, redis, python, JDK/JRE 17)
#   docker-registry the registry the push/pull tests run on 127.0.0.1 (test/support/registry.ts; on a
#                   systemd host the package also enables its own service on :5000, unused by the tests)
#   apache2-utils   `htpasswd -B`: the bcrypt password file of that registry
#   ca-certificates TLS to registries
#   conmon          the built-in engine's per-container monitor (stdio, log, exit code)
#   netavark, aardvark-dns  the built-in engine's bridge networks, published ports and service DNS
#                   (binaries in /usr/lib/podman, so dpkg decides)
#   iptables        netavark 1.4's firewall driver
#   tini            `init: true` on the built-in engine (/usr/bin/tini-static)
#   attr            setfattr: overlayfs opaque directories when unpacking layers
PACKAGES=(
  docker.io:dockerd
  docker-compose:docker-compose
  runc:runc
  containerd:containerd
  iproute2:ip
  git:git
  busybox-static:
  debootstrap:debootstrap
  docker-registry:docker-registry
  apache2-utils:htpasswd
  ca-certificates:
  conmon:conmon
  netavark:
  aardvark-dns:
  iptables:iptables
  tini:tini-static
  attr:setfattr
)
# BERTH_SETUP=builtin (the README's first command): only what the built-in engine and its demo need,
# and no Docker engine at all.
if [ "${BERTH_SETUP:-ci}" = builtin ]; then
  PACKAGES=(
    runc:runc
    conmon:conmon
    netavark:
    aardvark-dns:
    iptables:iptables
    iproute2:ip
    busybox-static:
    tini:tini-static
    attr:setfattr
    ca-certificates:
  )
fi
NODE_MIN="20.19.0"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root (or passwordless sudo) to run: $*"
  fi
}

is_installed() { # package probe
  local pkg="$1" probe="$2"
  if [ -n "$probe" ]; then
    command -v "$probe" >/dev/null 2>&1 && return 0
    # Some probes live in sbin directories that a non-root PATH lacks.
    [ -x "/usr/sbin/$probe" ] || [ -x "/sbin/$probe" ]
  else
    dpkg -s "$pkg" >/dev/null 2>&1
  fi
}

# --- 1. Debian packages ------------------------------------------------------------------------

missing=()
for entry in "${PACKAGES[@]}"; do
  pkg="${entry%%:*}"
  probe="${entry#*:}"
  is_installed "$pkg" "$probe" || missing+=("$pkg")
done

# Node.js: the package needs node >= NODE_MIN and npm. Install Debian's only if it is recent enough
# (Debian 13 has 20.19; Debian 12's 18.x is too old and needs Node from elsewhere, see README).
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
    version_ge "$(node -p 'process.versions.node')" "$NODE_MIN"
}
want_node=0
node_ok || want_node=1

if [ "${#missing[@]}" -gt 0 ] || [ "$want_node" -eq 1 ]; then
  absent=("${missing[@]}")
  [ "$want_node" -eq 1 ] && absent+=("nodejs>=$NODE_MIN")
  log "missing: ${absent[*]}; apt-get update"
  as_root apt-get update -qq </dev/null
else
  log "all Debian packages present: nothing to install"
fi
if [ "$want_node" -eq 1 ]; then
  candidate="$(apt-cache policy nodejs | awk '/Candidate:/ {print $2}')"
  candidate_version="${candidate#*:}"
  candidate_version="${candidate_version%%[-+~]*}"
  if [ -n "$candidate_version" ] && [ "$candidate" != "(none)" ] && version_ge "$candidate_version" "$NODE_MIN"; then
    missing+=(nodejs npm)
  else
    die "Node.js >= $NODE_MIN with npm is required; apt offers nodejs ${candidate:-none}. Install Node 20.19+ (e.g. Debian 13's nodejs, or NodeSource's node_20.x) and re-run."
  fi
fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
node_ok || die "node >= $NODE_MIN and npm are still missing after installation"
log "node $(node -p 'process.versions.node'), npm $(npm --version 2>/dev/null)"

# --- 2. A Docker engine ------------------------------------------------------------------------
if [ "${BERTH_SETUP:-ci}" != builtin ]; then

DOCKERD_PID=""
DOCKERD_LOG=""
cleanup() {
  local status=$?
  trap '' INT TERM # finish cleaning up even if signalled again
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    log "stopping the dockerd this script started (pid $DOCKERD_PID)"
    as_root kill -TERM "$DOCKERD_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 "$DOCKERD_PID" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then as_root kill -KILL "$DOCKERD_PID" 2>/dev/null || true; fi
    DOCKERD_PID=""
  fi
  exit "$status"
}
# The caller decides whether a dockerd started here is stopped when it exits (CI:
# BERTH_STOP_DOCKERD_ON_EXIT=1) or left running (the example stack runs on it).
if [ "${BERTH_STOP_DOCKERD_ON_EXIT:-0}" = 1 ]; then
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
fi

docker_answers() { timeout "${1:-5}" docker info >/dev/null 2>&1; }

if docker_answers 5; then
  log "a Docker engine answers: $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
else
  DOCKERD_LOG="$(mktemp /tmp/berth-ci-dockerd.XXXXXX.log)"
  log "no Docker engine answers; starting dockerd (log: $DOCKERD_LOG)"
  dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
  # In its own session: dockerd's shutdown must not signal this script's process group. Without job
  # control the child is no group leader, so setsid execs in place and $! stays dockerd's PID.
  if [ "$(id -u)" -eq 0 ]; then
    setsid "$dockerd_bin" >"$DOCKERD_LOG" 2>&1 </dev/null &
  else
    sudo -n setsid "$dockerd_bin" >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  DOCKERD_PID=$!
  deadline=$((SECONDS + ${BERTH_CI_DOCKERD_TIMEOUT:-60}))
  until docker_answers 5; do
    if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited before answering (log: $DOCKERD_LOG)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer within ${BERTH_CI_DOCKERD_TIMEOUT:-60}s (log: $DOCKERD_LOG)"
    fi
    sleep 1
  done
  log "dockerd answers (pid $DOCKERD_PID)"
fi
fi
