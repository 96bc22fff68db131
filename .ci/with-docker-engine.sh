#!/usr/bin/env bash
# Runs a command with a Docker engine of its own: installs Debian's docker.io when missing, starts dockerd
# on a fresh data root without touching the host's firewall, sysctls or links (containers use the host's
# network), exports DOCKER_HOST, and stops the engine and removes what it made at the end, also when the
# command fails or is interrupted.
set -euo pipefail

ENGINE_DIR=$(mktemp -d /tmp/ci-docker.XXXXXX)
SOCK="$ENGINE_DIR/docker.sock"

if [ ! -x /usr/sbin/dockerd ]; then
  echo "[ci] installing docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi

echo "[ci] starting dockerd (data in $ENGINE_DIR)"
/usr/sbin/dockerd --host "unix://$SOCK" \
  --data-root "$ENGINE_DIR/data" --exec-root "$ENGINE_DIR/exec" --pidfile "$ENGINE_DIR/dockerd.pid" \
  --storage-driver overlay2 --iptables=false --ip-forward=false --bridge=none \
  >"$ENGINE_DIR/dockerd.log" 2>&1 &
DOCKERD_PID=$!

api() { curl -sf --unix-socket "$SOCK" "$@"; }

stop_engine() {
  # Leftover containers are removed first: dockerd would wait out each one's stop timeout.
  for id in $(api 'http://localhost/containers/json?all=1' 2>/dev/null | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
    api -X DELETE "http://localhost/containers/$id?force=1" >/dev/null 2>&1 || true
  done
  kill -TERM "$DOCKERD_PID" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$DOCKERD_PID" 2>/dev/null || true
  wait "$DOCKERD_PID" 2>/dev/null || true
  umount "$ENGINE_DIR/exec/netns/default" 2>/dev/null || true
  rm -rf "$ENGINE_DIR"
  echo "[ci] dockerd stopped"
}
trap stop_engine EXIT

for _ in $(seq 150); do
  api http://localhost/_ping >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { echo "[ci] dockerd exited:"; tail -30 "$ENGINE_DIR/dockerd.log"; exit 1; }
  sleep 0.2
done
api http://localhost/_ping >/dev/null || { echo "[ci] dockerd not ready in 30 s:"; tail -30 "$ENGINE_DIR/dockerd.log"; exit 1; }
echo "[ci] dockerd ready"

export DOCKER_HOST="unix://$SOCK"
"$@"
