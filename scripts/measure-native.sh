#!/usr/bin/env bash
# Measures the native TAP path: two namespaces, each holding the kernel side of a TAP, joined
# by a minimal forwarder process (TapPort -> TapPort, no bridge logic), then
#   - iperf3 TCP throughput (one stream),
#   - iperf3 UDP with 64-byte payloads at an unlimited rate: small-frame rate (frames/s),
#   - the same two over a kernel bridge between veths, for comparison.
# Root only. Traffic stays inside namespaces this script creates; all of them, the bridge and
# the processes it started (killed by PID) are removed on exit, also on failure or Ctrl-C.
# Usage: scripts/measure-native.sh [seconds-per-test (default 5)]
#   OFFLOAD=1 scripts/measure-native.sh   also measures TapPort's offload mode (vnet headers, TSO
#                                         super-frames segmented in the addon)
set -euo pipefail

SECS="${1:-5}"
[ "$SECS" -ge 3 ] || { echo "measure-native: seconds must be >= 3" >&2; exit 1; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
P="sbm$$"            # per-run prefix; names stay within 15 characters
NS1="${P}h1" NS2="${P}h2"
OUT="$ROOT/build/measure"
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  ip netns del "$NS1" 2>/dev/null
  ip netns del "$NS2" 2>/dev/null
  ip link del "${P}br" 2>/dev/null
  ip link del "${P}va" 2>/dev/null
  ip link del "${P}vb" 2>/dev/null
}
trap cleanup EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "measure-native: needs root" >&2; exit 1; }
cd "$ROOT"
[ -f build/Release/softbr_native.node ] || npm run build:native >/dev/null
# Compile just the drivers and what they import (the rest of the tree may be mid-edit).
npx tsc --outDir "$OUT" --rootDir . --module nodenext --moduleResolution nodenext --target es2022 \
  --strict --skipLibCheck --types node src/ports/tap.ts

cat > "$OUT/fwd.mjs" <<'EOF'
// Minimal forwarder: TapPort a <-> TapPort b, one flush per received batch.
import { TapPort } from './src/ports/tap.js';
const [na, nb, mode] = process.argv.slice(2);
const offload = mode === 'offload';
const a = TapPort.open({ name: na, offload });
const b = TapPort.open({ name: nb, offload });
const fwd = (to) => ({
  receiveBatch(buf, offs, lens, count) {
    for (let i = 0; i < count; i++) to.send(buf, offs[i], lens[i]);
    to.flush();
  },
  linkDown(r) { console.error('link down', r); },
});
a.start(fwd(b));
b.start(fwd(a));
// SIGUSR1 marks the start of a steady-state window, SIGUSR2 reports the rates since the mark.
let mark = null;
const snap = () => ({ t: performance.now(), cpu: process.cpuUsage(), a: a.stats(), b: b.stats() });
process.on('SIGUSR1', () => { mark = snap(); });
process.on('SIGUSR2', () => {
  if (!mark) return;
  const now = snap(), secs = (now.t - mark.t) / 1000;
  const sum = (f) => f(now.a) + f(now.b) - f(mark.a) - f(mark.b);
  const read = sum((s) => s.rx.frames), batches = sum((s) => s.rx.batches), wakeups = sum((s) => s.rx.wakeups);
  const written = sum((s) => s.tx.frames), drops = sum((s) => s.tx.dropped);
  const cpu = process.cpuUsage(mark.cpu);
  console.log(`  forwarder, steady ${secs.toFixed(1)} s: ${Math.round(written / secs)} frames/s written, ` +
    `${Math.round(read / secs)} read; ${(read / Math.max(batches, 1)).toFixed(1)} frames/batch, ` +
    `${(batches / Math.max(wakeups, 1)).toFixed(2)} batches/wakeup, ${drops} tx drops; ` +
    `CPU ${(cpu.user / 1e4 / secs).toFixed(0)}% user + ${(cpu.system / 1e4 / secs).toFixed(0)}% sys of one core`);
});
process.on('SIGTERM', () => { a.close(); b.close(); process.exit(0); });
console.log('ready');
EOF

ip netns add "$NS1"
ip netns add "$NS2"
ip -n "$NS1" link set lo up
ip -n "$NS2" link set lo up

# One iperf3 run; with a forwarder pid, its rates are sampled in the middle of the run.
iperf() {  # $1 = forwarder pid or '', rest = iperf3 client args
  local fpid="$1"; shift
  ip netns exec "$NS2" iperf3 -s -1 -B 10.199.9.2 >/dev/null 2>&1 & local s=$!
  PIDS+=("$s")
  sleep 0.5
  ip netns exec "$NS1" iperf3 -c 10.199.9.2 -t "$SECS" -J "$@" > "$OUT/iperf.json" & local c=$!
  PIDS+=("$c")
  if [ -n "$fpid" ]; then
    sleep 1; kill -USR1 "$fpid"; sleep $((SECS - 2)); kill -USR2 "$fpid"
  fi
  wait "$c" || true
  wait "$s" 2>/dev/null || true
}

run_tests() {  # $1 = label, $2 = forwarder pid (optional)
  local label="$1" fpid="${2:-}"
  iperf "$fpid"
  echo "$label TCP (iperf3 -t $SECS, 1 stream): $(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log((j.end.sum_received.bits_per_second / 1e6).toFixed(0) + " Mbit/s")' "$OUT/iperf.json")"
  sleep 0.3
  iperf "$fpid" -u -l 64 -b 0
  echo "$label UDP 64-byte payload (106-byte frames, iperf3 -u -l 64 -b 0): $(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const r = j.end.sum_received ?? j.end.sum, t = j.end.sum_sent ?? j.end.sum;
    const got = r.packets - (r.lost_packets || 0);
    console.log(`${Math.round(got / r.seconds)} frames/s reached the iperf3 server, ${Math.round(t.packets / t.seconds)} frames/s sent`)' "$OUT/iperf.json")"
  sleep 0.3
}

softbr_run() {  # $1 = '' or 'offload'
  echo "== softbr TapPort forwarder (TAP <-> TAP${1:+, $1 mode}), $(nproc) cores"
  node "$OUT/fwd.mjs" "${P}ta" "${P}tb" "$1" > >(sed 's/^/  /') 2>&1 & FWD=$!
  PIDS+=("$FWD")
  for _ in $(seq 50); do ip link show "${P}tb" >/dev/null 2>&1 && break; sleep 0.1; done
  sleep 0.2
  ip link set "${P}ta" netns "$NS1"
  ip link set "${P}tb" netns "$NS2"
  ip -n "$NS1" addr add 10.199.9.1/24 dev "${P}ta"
  ip -n "$NS2" addr add 10.199.9.2/24 dev "${P}tb"
  ip -n "$NS1" link set "${P}ta" up
  ip -n "$NS2" link set "${P}tb" up
  ip netns exec "$NS1" ping -c 1 -W 2 10.199.9.2 >/dev/null
  run_tests "softbr${1:+ ($1)}" "$FWD"
  kill "$FWD"; wait "$FWD" 2>/dev/null || true
  sleep 0.3  # the TAPs vanish with the forwarder's fds
}

softbr_run ""
[ "${OFFLOAD:-0}" = 1 ] && softbr_run offload

echo "== kernel bridge between veths (reference)"
ip link add "${P}br" type bridge
ip link set "${P}br" up
ip link add "${P}va" type veth peer name "${P}v1"
ip link add "${P}vb" type veth peer name "${P}v2"
ip link set "${P}v1" netns "$NS1"
ip link set "${P}v2" netns "$NS2"
ip link set "${P}va" master "${P}br" up
ip link set "${P}vb" master "${P}br" up
ip -n "$NS1" addr add 10.199.9.1/24 dev "${P}v1"
ip -n "$NS2" addr add 10.199.9.2/24 dev "${P}v2"
ip -n "$NS1" link set "${P}v1" up
ip -n "$NS2" link set "${P}v2" up
sleep 0.5
ip netns exec "$NS1" ping -c 1 -W 2 10.199.9.2 >/dev/null
run_tests "kernel bridge"
