#!/bin/bash
# Two bridges on real TAP ports under load, on one thread and then each on its own (addbr --thread):
# per bridge two namespaced hosts behind TAP ports, one iperf3 TCP stream through each bridge at
# the same time, and meanwhile the reply time of `show` on the control socket (one request per
# 0.5 s over one connection, no CLI start-up in it). Root. Everything it makes is named
# sbr<pid>… and removed on exit.
#   scripts/threads-real.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-8}
P=sbr$$
DIR=$(mktemp -d /tmp/softbr-$P-XXXX)
SOCK=$DIR/c.sock
DPID=
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null || true
  for n in a1 a2 b1 b2; do ip netns del "$P$n" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

run() { # $1: '' or --thread
  node bin/softbr.js --control "$SOCK" daemon --no-metrics -q >"$DIR/log" 2>&1 &
  DPID=$!
  for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
  local S="node bin/softbr.js --control $SOCK"
  local k=0
  for br in a b; do
    $S addbr "$P$br" --no-local $1
    k=$((k + 1))
    for i in 1 2; do
      $S addif "$P$br" "tap:$P$br$i"
      ip netns add "$P$br$i"
      ip link set "$P$br$i" netns "$P$br$i"
      ip -n "$P$br$i" addr add "10.23$k.0.$i/24" dev "$P$br$i"
      ip -n "$P$br$i" link set "$P$br$i" up
      ip -n "$P$br$i" link set lo up
    done
  done
  for k in 1 2; do
    local br; br=$([ $k = 1 ] && echo a || echo b)
    ip netns exec "$P${br}2" iperf3 -s -1 -D -p 5201 >/dev/null
  done
  sleep 0.5
  for k in 1 2; do
    local br; br=$([ $k = 1 ] && echo a || echo b)
    ip netns exec "$P${br}1" iperf3 -c "10.23$k.0.2" -t "$SECS" -J >"$DIR/iperf-$br.json" &
  done
  sleep 1
  node --input-type=module -e "
    import { ControlClient } from './dist/src/control/client.js';
    const c = await ControlClient.connect('$SOCK');
    const t = [];
    for (let i = 0; i < $(( (SECS - 2) * 2 )); i++) {
      const t0 = performance.now(); await c.request('show'); t.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 500));
    }
    c.close();
    t.sort((a, b) => a - b);
    console.log('show reply under load: median ' + t[t.length >> 1].toFixed(1) + ' ms, max ' + t[t.length - 1].toFixed(1) + ' ms (' + t.length + ' requests)');
  "
  wait %2 %3 2>/dev/null || wait
  for br in a b; do
    node -e "const j=require('$DIR/iperf-$br.json'); console.log('bridge $br: ' + (j.end.sum_received.bits_per_second/1e9).toFixed(2) + ' Gbit/s')"
  done
  kill "$DPID"; wait "$DPID" || true; DPID=
  for n in a1 a2 b1 b2; do ip netns del "$P$n" 2>/dev/null || true; done
}

echo "== both bridges on the main thread ($(cut -d' ' -f1-3 /proc/loadavg))"
run ''
echo "== each bridge on its own thread (--thread) ($(cut -d' ' -f1-3 /proc/loadavg))"
run --thread
