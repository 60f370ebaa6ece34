#!/usr/bin/env bash
# The vhost-user bench: one dpdk-testpmd in io mode with --tx-first turns two softbr ports into a
# loop (frames out of its port 0 come back in on port 1 and are sent on, and the other way), with
# 64-byte frames, 256 per burst (so that enough are in flight to keep softbr busy). Run side by
# side, alternating, on the same softbr daemon (a bridge per pair): (a) two vhost-user ports
# (testpmd's net_virtio_user devices) and (b) two TAP ports (testpmd's net_af_packet on the
# kernel side of the TAPs). Prints frames/s softbr delivered (testpmd's Rx-pps summed over both
# ports, the mean of the last periods of each round). Root only; cleans up after itself.
#   SECS=8 ROUNDS=2 bash scripts/vhost-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "vhost-bench: run as root" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "vhost-bench: dpdk-testpmd missing (apt-get install dpdk dpdk-dev)" >&2; exit 1; }
P="sbvb$$"; P="${P:0:9}"
DIR="$(mktemp -d)"
SB="node bin/softbr.js --control $DIR/control.sock"
DPID=""
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null || true
  rm -rf "$DIR" /var/run/dpdk/"${P}"*
}
trap cleanup EXIT
SECS="${SECS:-8}"
ROUNDS="${ROUNDS:-2}"

node bin/softbr.js --control "$DIR/control.sock" daemon --no-metrics >"$DIR/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$DIR/control.sock" ] && break; sleep 0.1; done
# a bridge each, so that neither pair's floods reach the other
$SB addbr "${P}bv" --no-local
$SB addbr "${P}bt" --no-local
$SB addif "${P}bv" "vhost-user:${P}v1=$DIR/v1.sock" "vhost-user:${P}v2=$DIR/v2.sock"
$SB addif "${P}bt" "tap:${P}t1" "tap:${P}t2"

# testpmd: main lcore 0, forwarding on lcore 1; softbr shares the machine with it
pmd() { # label vdev-args...
  local label="$1"; shift
  timeout -s INT "$SECS" dpdk-testpmd -l 0-1 --main-lcore 0 --no-pci --no-huge -m 1024 \
    --file-prefix="${P}$label" "$@" -- --forward-mode=io --tx-first --txpkts=64 \
    --burst=256 --rxd=1024 --txd=1024 --total-num-mbufs=16384 --stats-period=1 >"$DIR/$label.log" 2>&1 || true
  # Rx-pps of both ports per period; the mean of all but the first two periods (warm-up)
  # (no figures at all, testpmd slow to start on a loaded machine, prints 0, not a pipefail exit)
  { grep -o 'Rx-pps: *[0-9]*' "$DIR/$label.log" || true; } | awk '{print $2}' | paste - - | awk '{s[NR]=$1+$2} END {n=0; t=0; for (i=3;i<=NR;i++) {t+=s[i]; n++} if (n) printf "%.0f\n", t/n; else print 0}'
}

echo "round  vhost-user frames/s  tap frames/s  ratio"
for r in $(seq "$ROUNDS"); do
  v=$(pmd "v$r" --vdev="net_virtio_user0,path=$DIR/v1.sock,mac=02:5b:00:00:00:01,queue_size=1024" --vdev="net_virtio_user1,path=$DIR/v2.sock,mac=02:5b:00:00:00:02,queue_size=1024")
  t=$(pmd "t$r" --vdev="net_af_packet0,iface=${P}t1" --vdev="net_af_packet1,iface=${P}t2")
  awk -v r="$r" -v v="$v" -v t="$t" 'BEGIN {printf "%-6s %-20s %-13s %s\n", r, v, t, (t > 0 ? sprintf("%.1fx", v / t) : "-")}'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
