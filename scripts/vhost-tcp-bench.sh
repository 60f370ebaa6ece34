#!/usr/bin/env bash
# The vhost-user TCP bench: iperf3 through one softbr daemon, side by side and alternating,
# (a) between a Linux guest on a vhost-user port and a TAP host in a namespace (one bridge; both
# directions: host→guest and guest→host), and (b) between two TAP hosts in namespaces (another
# bridge; both directions). The guest is scripts/build-guest.sh's image under QEMU (-accel as
# the lab's vmAccel() picks it; SOFTBR_VM_ACCEL=kvm|tcg overrides) with an initramfs layer
# appended: the host's iperf3 and its libraries, and an init that loads virtio_net, sets a
# fixed address and runs `iperf3 -s` (no DHCP, no console).
# Prints Gbit/s per round and the median of each column, the bytes per packet the TAP host's NIC
# counted on path (a) (above 1514 only when super-frames crossed softbr whole), and the load.
# Root only; every name carries a per-run prefix; cleans up after itself.
#   SECS=5 ROUNDS=3 bash scripts/vhost-tcp-bench.sh   (after npm run build)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "vhost-tcp-bench: run as root" >&2; exit 1; }
for c in qemu-system-x86_64 iperf3 busybox; do
  command -v "$c" >/dev/null || { echo "vhost-tcp-bench: $c missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
SECS="${SECS:-5}"
ROUNDS="${ROUNDS:-3}"
case "$SECS" in ''|*[!0-9]*|0) echo "vhost-tcp-bench: SECS=$SECS: a whole number of seconds ≥ 1" >&2; exit 1 ;; esac
case "$ROUNDS" in ''|*[!0-9]*|0) echo "vhost-tcp-bench: ROUNDS=$ROUNDS: a whole number ≥ 1" >&2; exit 1 ;; esac

P="sbvt$$"; P="${P:0:9}"
DIR="$(mktemp -d)"
SB="node bin/softbr.js --control $DIR/control.sock"
PIDS=()
NSS=()
cleanup() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

# the guest image, and a layer over its initramfs (the kernel unpacks concatenated archives in
# order, so this /init replaces the image's)
SOFTBR_GUEST_DIR="${SOFTBR_GUEST_DIR:-$HOME/.cache/softbr/guest}" bash scripts/build-guest.sh >"$DIR/build-guest.log" 2>&1 \
  || { cat "$DIR/build-guest.log" >&2; exit 1; }
GUEST="${SOFTBR_GUEST_DIR:-$HOME/.cache/softbr/guest}"
NET_V=10.214.0
NET_T=10.214.1
layer="$DIR/layer"
mkdir -p "$layer/usr/bin"
cp /usr/bin/iperf3 "$layer/usr/bin/iperf3"
for lib in $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
  mkdir -p "$layer$(dirname "$lib")"
  cp -L "$lib" "$layer$lib"
done
cat >"$layer/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in \$(cat /etc/modules); do insmod "/lib/modules/\$m" 2>/dev/null; done
ip link set lo up
ip addr add $NET_V.2/24 dev eth0
ip link set eth0 up
echo "__BENCH_GUEST_UP__"
exec /usr/bin/iperf3 -s
INIT
chmod +x "$layer/init"
(cd "$layer" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$DIR/layer.img"
cat "$GUEST/initrd.img" "$DIR/layer.img" >"$DIR/initrd.img"

node bin/softbr.js --control "$DIR/control.sock" daemon --no-metrics >"$DIR/daemon.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$DIR/control.sock" ] && break; sleep 0.1; done
$SB addbr "${P}bv" --no-local >/dev/null
$SB addbr "${P}bt" --no-local >/dev/null
$SB addif "${P}bv" "vhost-user:${P}v=$DIR/v.sock" "tap:${P}ta" >/dev/null
$SB addif "${P}bt" "tap:${P}t1" "tap:${P}t2" >/dev/null

# a TAP host: softbr's TAP moved into its own namespace as eth0
host() { # ns tap ip
  ip netns add "$1"; NSS+=("$1")
  for _ in $(seq 50); do [ -e "/sys/class/net/$2" ] && break; sleep 0.1; done
  ip link set "$2" netns "$1"
  ip -n "$1" link set "$2" name eth0
  ip -n "$1" addr add "$3/24" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$1" link set lo up
}
host "${P}ha" "${P}ta" "$NET_V.1"
host "${P}h1" "${P}t1" "$NET_T.1"
host "${P}h2" "${P}t2" "$NET_T.2"
ip netns exec "${P}h2" iperf3 -s >"$DIR/iperf3-h2.log" 2>&1 &
PIDS+=($!)

# KVM or TCG by the lab's rule (SOFTBR_VM_ACCEL=kvm|tcg overrides it)
accel="$(node --input-type=module -e 'import { vmAccel } from "./dist/src/lab/builder/vm.js"; console.log(vmAccel())')"
# under TCG, QEMU 7.2 crashes starting a vhost-user NIC with MSI-X (see vhost-linux-guest.test.ts)
nicopt=""; [ "$accel" = tcg ] && nicopt=",vectors=0"
qemu-system-x86_64 -name "${P}g" -accel "$accel" -m 256 -smp 1 -nodefaults -no-user-config -display none \
  -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
  -kernel "$GUEST/vmlinuz" -initrd "$DIR/initrd.img" -append "console=ttyS0 quiet" \
  -serial "file:$DIR/console.log" \
  -chardev "socket,id=c0,path=$DIR/v.sock" -netdev vhost-user,id=n0,chardev=c0 \
  -device "virtio-net-pci,netdev=n0,mac=52:54:00:7b:00:02,addr=0x3$nicopt" >"$DIR/qemu.log" 2>&1 &
PIDS+=($!)
QPID=$!

# the guest's iperf3 is up once the TAP host can connect to it
up=""
deadline=$((SECONDS + 120))
while [ "$SECONDS" -lt "$deadline" ]; do
  kill -0 "$QPID" 2>/dev/null || break
  # (iperf3 -J exits 0 on a failed connect: its JSON names the error)
  if ip netns exec "${P}ha" iperf3 -c "$NET_V.2" -t 1 -J 2>&1 | grep -q '"sum_received"'; then up=1; break; fi
  sleep 1
done
[ -n "$up" ] || { echo "vhost-tcp-bench: the guest's iperf3 never answered" >&2; tail -n 20 "$DIR/console.log" "$DIR/qemu.log" "$DIR/daemon.log" >&2; exit 1; }

# Gbit/s the receiver counted in one iperf3 run: ns, server address, extra args
gbps() {
  ip netns exec "$1" iperf3 -c "$2" -t "$SECS" -J "${@:3}" >"$DIR/run.json" 2>&1 \
    || { echo "vhost-tcp-bench: iperf3 -c $2 ${*:3} in $1 failed:" >&2; cat "$DIR/run.json" >&2; exit 1; }
  node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const s = j.end && j.end.sum_received; if (!s) { console.error(`iperf3: ${j.error || "no receiver summary"}`); process.exit(1); } console.log((s.bits_per_second / 1e9).toFixed(2))' "$DIR/run.json" || exit 1
}
# bytes/packet counters of the TAP host's eth0 on path (a): rx_bytes rx_packets tx_bytes tx_packets
nic() { ip netns exec "${P}ha" cat /sys/class/net/eth0/statistics/{rx_bytes,rx_packets,tx_bytes,tx_packets} | paste -s -d' '; }
n0="$(nic)"

echo "round  host→guest  guest→host  tap→tap  tap←tap   (Gbit/s, iperf3 ${SECS} s, receiver's count)"
: >"$DIR/table"
for r in $(seq "$ROUNDS"); do
  a=$(gbps "${P}ha" "$NET_V.2")        # TAP host sends, the guest receives
  b=$(gbps "${P}ha" "$NET_V.2" -R)     # the guest sends
  c=$(gbps "${P}h1" "$NET_T.2")
  d=$(gbps "${P}h1" "$NET_T.2" -R)
  echo "$a $b $c $d" >>"$DIR/table"
  printf "%-6s %-11s %-11s %-8s %s\n" "$r" "$a" "$b" "$c" "$d"
done
n1="$(nic)"
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf "%-6s %-11s %-11s %-8s %s\n" median "$(cut -d' ' -f1 "$DIR/table" | median)" "$(cut -d' ' -f2 "$DIR/table" | median)" \
  "$(cut -d' ' -f3 "$DIR/table" | median)" "$(cut -d' ' -f4 "$DIR/table" | median)"
echo "$n0 $n1" | awk 'function per(b, p) { return p > 0 ? b / p : 0 }
  {printf "path (a), TAP host eth0 bytes/packet: rx %.0f (from the guest), tx %.0f (to the guest)\n", per($5-$1, $6-$2), per($7-$3, $8-$4)}'
if $SB show --json >"$DIR/show.json" 2>/dev/null && grep -q superRx "$DIR/show.json"; then
  node -e 'const t = require("fs").readFileSync(process.argv[1], "utf8"); for (const k of ["superRx", "superTx", "superCut"]) { const m = new RegExp(`"${k}":\\s*(\\d+)`).exec(t); console.log(`softbr vhost port ${k}: ${m ? m[1] : "?"}`); }' "$DIR/show.json"
else
  echo "softbr vhost port superRx/superTx/superCut: not exposed by 'softbr show --json'"
fi
echo "guest: $accel; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
