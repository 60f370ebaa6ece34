#!/usr/bin/env bash
# Where a forwarded 60-byte frame's cycles go: two namespaced hosts on TAPs of a switch (softbr, or
# the C forwarder of bench/tap-forward.c when it is there), trafgen -q pinned to CPU0 in h1 for a
# few seconds, and per delivered frame the switch's CPU time; optionally a perf profile (PERF=1,
# linux-perf) or the system calls it made (STRACE=1). Root; every name carries the prefix sbpf<pid>
# and is removed at the end. Usage: [PERF=1|STRACE=1] [OUT=DIR] scripts/profile-forwarding.sh softbr|cforward [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:-softbr}
SECS=${2:-3}
OUT=${OUT:-/tmp}  # where PERF=1 / STRACE=1 put their output
P=sbpf$$
DIR=$(mktemp -d "/tmp/$P.XXXX")
SOCK=$DIR/control.sock
D=; G=
cleanup() {
  if [ -n "$G" ]; then for c in $(cat /proc/$G/task/$G/children 2>/dev/null); do kill -INT "$c" 2>/dev/null || true; done; kill -INT "$G" 2>/dev/null || true; wait "$G" 2>/dev/null || true; fi
  if [ -n "$D" ]; then kill "$D" 2>/dev/null || true; wait "$D" 2>/dev/null || true; fi
  ip netns del ${P}a 2>/dev/null || true
  ip netns del ${P}b 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
ip netns add ${P}a
ip netns add ${P}b
if [ "$KIND" = softbr ]; then
  node bin/softbr.js --control "$SOCK" daemon --no-metrics > "$DIR/switch.log" 2>&1 & D=$!
  for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
  node bin/softbr.js --control "$SOCK" addbr ${P}br --no-local
  node bin/softbr.js --control "$SOCK" addif ${P}br tap:${P}1 tap:${P}2
elif [ "$KIND" = cforward ] && [ -f bench/tap-forward.c ]; then
  cc -O2 -o "$DIR/tap-forward" bench/tap-forward.c
  "$DIR/tap-forward" ${P}1 ${P}2 > "$DIR/switch.log" 2>&1 & D=$!
  for _ in $(seq 50); do grep -q ready "$DIR/switch.log" 2>/dev/null && break; sleep 0.1; done
else
  echo "usage: $0 softbr|cforward [SECONDS] (cforward needs bench/tap-forward.c)" >&2; exit 2
fi
ip link set ${P}1 netns ${P}a
ip link set ${P}2 netns ${P}b
ip -n ${P}a link set ${P}1 address 02:5a:00:00:00:01
ip -n ${P}b link set ${P}2 address 02:5a:00:00:00:02
ip -n ${P}a addr add 10.197.0.1/24 dev ${P}1
ip -n ${P}b addr add 10.197.0.2/24 dev ${P}2
ip -n ${P}a link set ${P}1 up
ip -n ${P}b link set ${P}2 up
ip netns exec ${P}a ping -c 3 -i 0.05 -q 10.197.0.2 > /dev/null
# one 60-byte UDP frame 10.197.0.1 -> 10.197.0.2:9, literal bytes
cat > "$DIR/frame.cfg" <<'CFG'
{ 0x02,0x5a,0x00,0x00,0x00,0x02, 0x02,0x5a,0x00,0x00,0x00,0x01, 0x08,0x00,
  0x45,0x00,0x00,0x2e,0x00,0x00,0x40,0x00,0x40,0x11,0x26,0x69, 10,197,0,1, 10,197,0,2,
  0x00,0x09,0x00,0x09,0x00,0x1a,0x00,0x00, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 }
CFG
ip netns exec ${P}a taskset -c 0 trafgen -o ${P}1 -i "$DIR/frame.cfg" -q -P 1 -Q --no-sock-mem -C > "$DIR/gen.log" 2>&1 & G=$!
sleep 1
rx0=$(ip netns exec ${P}b cat /sys/class/net/${P}2/statistics/rx_packets)
c0=$(awk '{print $14 + $15}' /proc/$D/stat)
if [ "${PERF:-0}" = 1 ]; then
  perf record -q -g -p "$D" -o "$OUT/perf.$KIND.data" -- sleep "$SECS" > /dev/null 2>&1
elif [ "${STRACE:-0}" = 1 ]; then
  timeout "$SECS" strace -c -f -p "$D" -o "$OUT/strace.$KIND.txt" > /dev/null 2>&1 || true
else
  sleep "$SECS"
fi
rx1=$(ip netns exec ${P}b cat /sys/class/net/${P}2/statistics/rx_packets)
c1=$(awk '{print $14 + $15}' /proc/$D/stat)
n=$((rx1 - rx0))
awk -v k="$KIND" -v n="$n" -v s="$SECS" -v c="$((c1 - c0))" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
  'BEGIN { printf "%s: %d frames/s delivered, switch CPU %.2f us per frame (USER_HZ 100), load %s\n", k, n / s, c * 10000 / (n > 0 ? n : 1), l }'
[ "${PERF:-0}" = 1 ] && echo "profile: perf report -i $OUT/perf.$KIND.data --no-children --sort dso,sym"
[ "${STRACE:-0}" = 1 ] && echo "system calls: $OUT/strace.$KIND.txt"
exit 0
