#!/usr/bin/env bash
# The end-to-end bench: two hosts in namespaces on TAP ports of a real softbr daemon, then the same
# on a kernel bridge for comparison. Prints ping RTT (1000 pings at 1 ms), small-frame UDP rate
# (iperf3, 18-byte payload = 60-byte frames) and TCP throughput. Root only; cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "e2e-bench: run as root" >&2; exit 1; }
P="sbb$$"; P="${P:0:8}"
SOCK="$(mktemp -d)/control.sock"
DPID=""
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null || true
  for n in h1 h2; do ip netns del "${P}$n" 2>/dev/null || true; done
  ip link del "${P}kb" 2>/dev/null || true
  ip link del "${P}k1" 2>/dev/null || true
  ip link del "${P}k2" 2>/dev/null || true
}
trap cleanup EXIT
SECS="${SECS:-5}"

hosts() { # $1: how to attach: softbr|kernel
  for i in 1 2; do
    ip netns add "${P}h$i"
    ip netns exec "${P}h$i" ip link set lo up
    ip netns exec "${P}h$i" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
  done
}
plug() { # dev ns ip
  ip link set "$1" netns "$2"
  ip netns exec "$2" ip link set "$1" name eth0
  ip netns exec "$2" ip addr add "$3/24" dev eth0
  ip netns exec "$2" ip link set eth0 up
}
measure() {
  local label="$1"
  ip netns exec "${P}h1" ping -c 50 -i 0.01 -q 10.204.0.2 >/dev/null
  local rtt
  rtt=$(ip netns exec "${P}h1" ping -c 1000 -i 0.001 -q 10.204.0.2 | tail -2 | tr '\n' ' ')
  ip netns exec "${P}h2" iperf3 -s -1 -D -p 5201
  sleep 0.5
  local udp
  udp=$(ip netns exec "${P}h1" iperf3 -c 10.204.0.2 -u -l 18 -b 0 -t "$SECS" -J | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const r=j.end.sum_received??j.end.sum;
    const sent=j.end.sum.packets, got=r.packets-(r.lost_packets??0);
    console.log(`sent ${(sent/j.end.sum.seconds/1e3).toFixed(0)} kpps, received ${(got/r.seconds/1e3).toFixed(0)} kpps (${(r.lost_percent??0).toFixed(1)}% lost)`)})')
  ip netns exec "${P}h2" iperf3 -s -1 -D -p 5202
  sleep 0.5
  local tcp
  tcp=$(ip netns exec "${P}h1" iperf3 -c 10.204.0.2 -p 5202 -t "$SECS" -J | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log((j.end.sum_received.bits_per_second/1e9).toFixed(2)+" Gbit/s")})')
  echo "== $label"
  echo "ping -c 1000 -i 0.001: $rtt"
  echo "UDP 60-byte frames:    $udp"
  echo "TCP:                   $tcp"
}

hosts
node bin/softbr.js --control "$SOCK" daemon --no-metrics -q &
DPID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
node bin/softbr.js --control "$SOCK" addbr "${P}br" --no-local
node bin/softbr.js --control "$SOCK" addif "${P}br" "tap:${P}t1" "tap:${P}t2"
plug "${P}t1" "${P}h1" 10.204.0.1
plug "${P}t2" "${P}h2" 10.204.0.2
measure "softbr (TAP ports, daemon pid $DPID)"
kill "$DPID"; wait "$DPID" || true; DPID=""
for n in h1 h2; do ip netns del "${P}$n"; done

hosts
ip link add "${P}kb" type bridge
ip link set "${P}kb" up
for i in 1 2; do
  ip link add "${P}k$i" type veth peer name "${P}v$i"
  ip link set "${P}k$i" master "${P}kb" up
  plug "${P}v$i" "${P}h$i" "10.204.0.$i"
done
measure "kernel bridge (veth ports), for comparison"
