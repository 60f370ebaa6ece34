#!/usr/bin/env bash
# Soak: mixed traffic through a lab for MINUTES (default 30) and a long native fuzz run.
# Three hosts in namespaces on TAPs of one softbr bridge with STP on: TCP (iperf3 h1 -> h2),
# a small-frame ping flood (h2 -> h1), MAC churn (h3 sends bursts from random source MACs),
# h3's link flapped, storm control on h3's port (its broadcast bursts go over it), and
# `softbr monitor` and `softbr capture` clients attaching and leaving. Every 10 s it prints the
# daemon's RSS and V8 heap, frames in and out per port and drops by reason (from /metrics). It
# fails when RSS or heap keeps growing (last quarter's low above the second quarter's high +
# 32 MiB) or when a received frame is not accounted for (rx != drops + forwarded + flooded).
# Usage (root): scripts/soak.sh [minutes] [fuzz seconds per target, default 60*minutes/4]
set -euo pipefail
cd "$(dirname "$0")/.."
mins=${1:-30}
fuzz=${2:-$((mins * 15))}
[ "$(id -u)" -eq 0 ] || { echo "soak.sh: run as root" >&2; exit 2; }
P="sbsk$(printf %07d $$ | tail -c 7)"
BR="${P}b"
dir=$(mktemp -d /tmp/softbr-soak.XXXXXX)
sock="$dir/control.sock"
port=$((20000 + $$ % 20000))
metrics="http://127.0.0.1:$port/metrics"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  for i in 1 2 3; do ip netns del "${P}h$i" 2>/dev/null || true; done
  for i in 1 2 3; do ip link del "${P}t$i" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
cat > "$dir/softbr.yaml" <<YAML
bridges:
  $BR:
    maxEntries: 4096
    maxLearnedPerPort: 1024
    stp:
      enabled: true
      forwardDelay: 4
    ports:
      - tap:${P}t1
      - tap:${P}t2
      - name: tap:${P}t3
        storm: { broadcast: 1500 }
YAML
node bin/softbr.js --control "$sock" daemon --metrics "127.0.0.1:$port" -c "$dir/softbr.yaml" > "$dir/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
for i in 1 2 3; do
  ip netns add "${P}h$i"
  ip link set "${P}t$i" netns "${P}h$i"
  ip -n "${P}h$i" link set "${P}t$i" name eth0
  ip -n "${P}h$i" addr add "10.214.0.$i/24" dev eth0
  ip -n "${P}h$i" link set eth0 up
  ip -n "${P}h$i" link set lo up
done
sleep 9  # listening + learning (2 x forward delay)
end=$(( $(date +%s) + mins * 60 ))
ip netns exec "${P}h2" iperf3 -s -1 > /dev/null 2>&1 & pids+=($!)
sleep 0.5
ip netns exec "${P}h1" iperf3 -c 10.214.0.2 -t $((mins * 60)) -b 200M > "$dir/iperf.log" 2>&1 & pids+=($!)
ip netns exec "${P}h2" ping -f -s 18 -w $((mins * 60)) -q 10.214.0.1 > "$dir/ping.log" 2>&1 & pids+=($!)
churn='import os, socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0))
while True:
    r = os.urandom(5 * 2000)
    for i in range(2000):
        try: s.send(b"\xff" * 6 + b"\x02" + r[5*i:5*i+5] + b"\x88\xb5" + bytes(46))
        except OSError: time.sleep(0.01)
    time.sleep(1)'
ip netns exec "${P}h3" python3 -c "$churn" & pids+=($!)
scrape() { curl -s "$metrics"; }
sum() { awk -v n="$1" 'index($0, n) == 1 { s += $NF } END { printf "%d", s }'; }
rss=()
heap=()
printf '%-6s %-9s %-9s %s\n' 't(s)' 'RSS(KiB)' 'heap(KiB)' 'per port rx/tx; drops by reason'
t0=$(date +%s)
n=0
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 10; n=$((n + 1))
  # h3 flaps every 30 s; a monitor client attaches for 5 s every 20 s
  if [ $((n % 3)) -eq 0 ]; then ip -n "${P}h3" link set eth0 down; sleep 1; ip -n "${P}h3" link set eth0 up; fi
  if [ $((n % 2)) -eq 0 ]; then timeout 5 node bin/softbr.js --control "$sock" monitor > /dev/null 2>&1 & fi
  # a pcap capture of h1's port for 4 s every 30 s, and a line capture of the bridge every 30 s
  if [ $((n % 3)) -eq 1 ]; then node bin/softbr.js --control "$sock" capture "$BR" "${P}t1" --duration 4 -w "$dir/cap.pcap" > /dev/null 2>&1 & fi
  if [ $((n % 3)) -eq 2 ]; then node bin/softbr.js --control "$sock" capture "$BR" -c 2000 > /dev/null 2>&1 & fi
  r=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")
  rss+=("$r")
  m=$(scrape)
  h=$(( $(sum 'nodejs_heap_size_used_bytes' <<<"$m") / 1024 ))
  heap+=("$h")
  ports=$(for i in 1 2 3; do printf '%s %s/%s ' "t$i" "$(sum "softbr_port_rx_frames_total{bridge=\"$BR\",port=\"${P}t$i\"}" <<<"$m")" "$(sum "softbr_port_tx_frames_total{bridge=\"$BR\",port=\"${P}t$i\"}" <<<"$m")"; done)
  drops=$(grep '^softbr_port_drops_total' <<<"$m" | sed -E 's/.*reason="([a-z_]+)"} (.*)/\1 \2/' | awk '{ s[$1] += $2 } END { for (k in s) if (s[k] > 0) printf "%s=%d ", k, s[k] }')
  printf '%-6s %-9s %-9s %s; %s\n' "$(( $(date +%s) - t0 ))" "$r" "$h" "$ports" "$drops"
done
kill "${pids[@]}" 2>/dev/null || true
pids=()
sleep 1
m=$(scrape)
rx=$(sum "softbr_rx_frames_total{bridge=\"$BR\"}" <<<"$m")
fwd=$(sum "softbr_forwarded_frames_total{bridge=\"$BR\"}" <<<"$m")
fl=$(sum "softbr_flooded_frames_total{bridge=\"$BR\"}" <<<"$m")
ingress=0
for reason in malformed stp_blocked filtered limit link_local vlan storm; do
  ingress=$((ingress + $(grep "^softbr_port_drops_total{bridge=\"$BR\"" <<<"$m" | grep "reason=\"$reason\"" | awk '{ s += $NF } END { printf "%d", s }')))
done
echo "soak: rx $rx = ingress drops $ingress + forwarded $fwd + flooded $fl ($((ingress + fwd + fl)))"
tail -3 "$dir/iperf.log" | head -1 || true
tail -2 "$dir/ping.log" || true
fail=0
if [ "$rx" -ne $((ingress + fwd + fl)) ]; then echo "soak: FAIL: $((rx - ingress - fwd - fl)) received frames not accounted for"; fail=1; fi
k=${#rss[@]}
if [ "$k" -ge 8 ]; then
  q=$((k / 4))
  hi2=$(printf '%s\n' "${rss[@]:q:q}" | sort -n | tail -1)
  lo4=$(printf '%s\n' "${rss[@]:$((k - q)):q}" | sort -n | head -1)
  echo "soak: RSS second quarter max $hi2 KiB, last quarter min $lo4 KiB"
  if [ "$lo4" -gt $((hi2 + 32768)) ]; then echo "soak: FAIL: RSS keeps growing"; fail=1; fi
  hh2=$(printf '%s\n' "${heap[@]:q:q}" | sort -n | tail -1)
  hl4=$(printf '%s\n' "${heap[@]:$((k - q)):q}" | sort -n | head -1)
  echo "soak: heap second quarter max $hh2 KiB, last quarter min $hl4 KiB"
  if [ "$hl4" -gt $((hh2 + 32768)) ]; then echo "soak: FAIL: heap keeps growing"; fail=1; fi
fi
kill "$daemon"; wait "$daemon" || true; daemon=
[ "$fuzz" -gt 0 ] && { scripts/fuzz.sh "$fuzz" 2>&1 | grep -E '^fuzz.sh|^Done|^stat::number' || fail=1; }
[ "$fail" -eq 0 ] && echo "soak: ok" || exit 1
