#!/bin/bash
# The operations drill (docs/operations-drill.md): docs/operations.md walked from an EMPTY
# Debian 12 to a running, monitored platform, under a real systemd as PID 1.
#
#   ./dev drill [TRANSCRIPT]        (root; needs debootstrap and systemd-container)
#
# 1. debootstrap bookworm (cached as $DRILL_DIR/bookworm-base.tar after the first run);
# 2. a fresh copy booted with `systemd-nspawn -b` on a private veth network; the machine
#    reaches Debian's mirror and PyPI only through deploy/drill/proxy.py on the host end;
# 3. the release: this work tree (committed files plus uncommitted changes of tracked files)
#    as a tarball, as an operator would receive it;
# 4. deploy/drill/guest.sh runs docs/operations.md's commands inside, as root;
# 5. the machine is powered off and deleted (DRILL_KEEP=1 keeps it for a look).
# The transcript (every command and its output) goes to TRANSCRIPT, default
# $DRILL_DIR/transcript.txt. Exit status 0 only when the guest printed DRILL PASSED.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DRILL_DIR="${DRILL_DIR:-/var/lib/ecert-drill}"
MIRROR="${DRILL_MIRROR:-http://deb.debian.org/debian}"
MACHINE=ecert-drill
HOST_IP=10.187.0.1 GUEST_IP=10.187.0.2
PROXY_PORT="${DRILL_PROXY_PORT:-18700}"   # on the veth address only
ROOT="$DRILL_DIR/machine"
BASE="$DRILL_DIR/bookworm-base.tar"
TRANSCRIPT="${1:-$DRILL_DIR/transcript.txt}"

[ "$(id -u)" = 0 ] || { echo "drill: run as root (debootstrap, systemd-nspawn)" >&2; exit 1; }
for tool in debootstrap systemd-nspawn nsenter; do
    command -v "$tool" >/dev/null || { echo "drill: $tool missing (apt-get install debootstrap systemd-container)" >&2; exit 1; }
done
mkdir -p "$DRILL_DIR"
log() { printf '[drill %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [ ! -s "$BASE" ]; then
    log "debootstrap bookworm from $MIRROR (first run only; cached in $BASE)"
    rm -rf "$DRILL_DIR/base"
    debootstrap --include=dbus,systemd-sysv,ca-certificates bookworm "$DRILL_DIR/base" "$MIRROR" \
        > "$DRILL_DIR/debootstrap.log" 2>&1 || { tail -n 20 "$DRILL_DIR/debootstrap.log" >&2; exit 1; }
    tar -C "$DRILL_DIR/base" -cf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
    rm -rf "$DRILL_DIR/base"
fi

NSPAWN="" PROXY="" LEADER=""
cleanup() {
    set +e
    if [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null; then
        log "powering the machine off"
        kill -s RTMIN+4 "$LEADER"       # systemd's "poweroff" signal
        for _ in $(seq 60); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 1; done
    fi
    [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null && kill "$NSPAWN" && sleep 2
    [ -n "$PROXY" ] && kill "$PROXY" 2>/dev/null
    wait 2>/dev/null
    if [ "${DRILL_KEEP:-0}" = 1 ]; then log "kept $ROOT"; else rm -rf "$ROOT"; fi
}
trap cleanup EXIT

if [ "${DRILL_REUSE:-0}" = 1 ] && [ -d "$ROOT/etc" ]; then
    log "reusing the machine in $ROOT (DRILL_REUSE=1: not a walk from empty)"
else
    log "fresh machine in $ROOT"
    rm -rf "$ROOT" && mkdir -p "$ROOT"
    tar -C "$ROOT" -xf "$BASE"
fi
echo "$MACHINE" > "$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 %s\n127.0.0.1 ecert.example.gov.cn\n' "$MACHINE" > "$ROOT/etc/hosts"
# the data centre's outbound proxy, for apt and pip
echo "Acquire::http::Proxy \"http://$HOST_IP:$PROXY_PORT\";" > "$ROOT/etc/apt/apt.conf.d/80proxy"
printf '[global]\nproxy = http://%s:%s\ncert = /etc/ssl/certs/ca-certificates.crt\n' \
    "$HOST_IP" "$PROXY_PORT" > "$ROOT/etc/pip.conf"
# a proxy that inspects TLS signs with its own CA: the machine trusts what this host trusts
# (local CA certificates only, public ones; update-ca-certificates runs once it has booted)
cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/" 2>/dev/null || true
: > "$ROOT/etc/resolv.conf"
stash=$(git -C "$REPO" stash create 2>/dev/null || true)
git -C "$REPO" archive --format=tar.gz -o "$ROOT/root/ecert-release.tar.gz" "${stash:-HEAD}"
install -m 0755 "$REPO/deploy/drill/guest.sh" "$ROOT/root/walk-guest.sh"
release="$(git -C "$REPO" rev-parse --short HEAD)${stash:+ + uncommitted changes}"

log "booting it: systemd-nspawn -b --network-veth"
systemd-nspawn --quiet --boot --directory="$ROOT" --machine="$MACHINE" --network-veth \
    --register=no --keep-unit --console=read-only > "$DRILL_DIR/console.log" 2>&1 &
NSPAWN=$!
for _ in $(seq 100); do
    LEADER=$(cat /proc/"$NSPAWN"/task/*/children 2>/dev/null | awk '{print $1}' | head -n1)
    [ -n "$LEADER" ] && ip link show "ve-$MACHINE" >/dev/null 2>&1 && break
    sleep 0.2
done
[ -n "$LEADER" ] || { cat "$DRILL_DIR/console.log" >&2; exit 1; }
ip addr add "$HOST_IP/30" dev "ve-$MACHINE"
ip link set "ve-$MACHINE" up
nsenter -t "$LEADER" -n ip addr add "$GUEST_IP/30" dev host0
nsenter -t "$LEADER" -n ip link set host0 up
python3 "$REPO/deploy/drill/proxy.py" "$HOST_IP" "$PROXY_PORT" &
PROXY=$!

guest() {
    nsenter -t "$LEADER" -m -u -i -n -p -r -w /usr/bin/env -i HOME=/root TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
state=""
for _ in $(seq 120); do
    state=$(guest systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 1
done
guest update-ca-certificates > /dev/null
log "systemd in the machine: $state (PID 1 is $(guest ps -o comm= -p 1))"

start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
    echo "ecert operations drill: docs/operations.md walked on an empty Debian 12"
    echo "started $start on $(hostname) — release $release"
    echo "machine: debootstrap bookworm, booted by systemd-nspawn -b; PID 1 in it: $(guest ps -o comm= -p 1) ($(guest systemctl --version | head -n1))"
    echo "systemd state after boot: $state"
} > "$TRANSCRIPT"
rc=0
# DRILL_GUEST_CMD: something else to run in the machine instead (e.g. "sleep 3600" to look
# around with nsenter -t <its PID 1> -a)
guest ${DRILL_GUEST_CMD:-/bin/bash /root/walk-guest.sh} 2>&1 | tee -a "$TRANSCRIPT" || rc=$?
echo "finished $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$TRANSCRIPT"
grep -q '^DRILL PASSED$' "$TRANSCRIPT" || rc=1
log "transcript: $TRANSCRIPT (exit $rc)"
exit "$rc"
