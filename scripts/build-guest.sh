#!/usr/bin/env bash
# Builds the small Linux guest that lab VM hosts boot: the Debian kernel that linux-image-amd64
# depends on (downloaded with apt-get download and unpacked with dpkg-deb -x: nothing is
# installed on this machine) and a busybox-static initramfs (udhcpc, ping, traceroute, wget,
# httpd, ip…) with virtio_net and the modules it needs, loaded by its init. The init brings up
# every NIC with DHCP and then serves a line protocol on the serial console for `softbr lab exec`.
# Output (cached, rebuilt when this script changes): $SOFTBR_GUEST_DIR or
# ~/.cache/softbr/guest/{vmlinuz,initrd.img}. --force rebuilds.
# Needs only the package registry (apt-get download), dpkg-deb, xz and gzip (cpio is busybox's).
set -euo pipefail
OUT="${SOFTBR_GUEST_DIR:-${HOME}/.cache/softbr/guest}"
# the cache is this script's: a changed script (a new init) rebuilds
stamp="$(sha256sum "$0" | cut -d' ' -f1)"
if [ "${1:-}" != "--force" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "guest image cached in $OUT"; exit 0
fi
mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
kpkg="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
[ -n "$kpkg" ] || { echo "build-guest: cannot tell which kernel linux-image-amd64 depends on (apt-get update?)" >&2; exit 1; }
# as root, apt downloads into a directory its sandbox user can write
chmod 0777 "$work"
apt-get download -q "$kpkg" busybox-static >/dev/null
dpkg-deb -x "$kpkg"_*.deb k
dpkg-deb -x busybox-static_*.deb bb
kver="$(ls k/lib/modules)"
mods="k/lib/modules/$kver"

# virtio_net and what it depends on, in load order: a module's .modinfo names its dependencies
# (no depmod here: the package ships no modules.dep)
modfile() { find "$mods/kernel" -name "$1.ko" -o -name "$1.ko.xz" | head -n 1; }
modinfo_depends() {
  case "$1" in *.xz) xz -dc "$1" ;; *) cat "$1" ;; esac | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}
declare -a order=()
add() {
  local name="$1" f dep
  f="$(modfile "$name")"
  [ -n "$f" ] || f="$(modfile "${name//_/-}")"
  [ -n "$f" ] || return 0   # built into the kernel
  for dep in $(modinfo_depends "$f"); do add "$dep"; done
  case " ${order[*]:-} " in *" $f "*) ;; *) order+=("$f") ;; esac
}
add virtio_net
add virtio_pci

root="$work/root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,lib/modules,usr/share/udhcpc,var/www}
cp bb/bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"; done
: > "$root/etc/modules"
for path in "${order[@]}"; do
  f="$(basename "$path")"
  case "$f" in
    *.xz) xz -dc "$path" > "$root/lib/modules/${f%.xz}"; f="${f%.xz}" ;;
    *) cp "$path" "$root/lib/modules/$f" ;;
  esac
  echo "$f" >> "$root/etc/modules"
done

cat > "$root/usr/share/udhcpc/default.script" <<'SCRIPT'
#!/bin/sh
# udhcpc's hook: put the lease on the interface, the first router as a default route
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    if [ -n "$router" ] && ! ip route | grep -q '^default'; then ip route add default via "${router%% *}" dev "$interface"; fi
    [ -n "$dns" ] && for d in $dns; do echo "nameserver $d"; done > /etc/resolv.conf
    echo "$interface $ip" >> /run/leases ;;
esac
exit 0
SCRIPT
chmod +x "$root/usr/share/udhcpc/default.script"

cat > "$root/init" <<'INIT'
#!/bin/sh
# The guest's init: modules, DHCP on every NIC, then the console protocol of `softbr lab exec`:
# each line read from ttyS0 is run by sh; its output follows, then "__SB_END__ <exit code>".
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
for m in $(cat /etc/modules); do insmod "/lib/modules/$m" 2>/dev/null; done
ip link set lo up
# IPv4 only, as the lab's namespaces: no router solicitations or MLD reports in the captures
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
for h in $(cat /proc/cmdline); do case "$h" in softbr.host=*) hostname "${h#softbr.host=}" ;; esac; done
# every NIC asks at once; each gives up after 30 tries 2 s apart (software emulation is slow)
for n in /sys/class/net/eth*; do
  [ -e "$n" ] || continue
  i="${n##*/}"
  ip link set "$i" up
  udhcpc -i "$i" -q -f -n -t 30 -T 2 -A 1 -s /usr/share/udhcpc/default.script >/dev/null 2>&1 &
done
wait
exec 0</dev/ttyS0 1>/dev/ttyS0 2>&1
stty -echo -icanon min 1 2>/dev/null || true
stty icanon 2>/dev/null || true
echo "__SB_READY__ $(hostname)"
while IFS= read -r line; do
  sh -c "$line" </dev/null
  echo "__SB_END__ $?"
done
INIT
chmod +x "$root/init"

(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -9) > "$OUT/initrd.img.tmp"
cp "k/boot/vmlinuz-$kver" "$OUT/vmlinuz.tmp"
mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "$kver" > "$OUT/kernel-version"
echo "$stamp" > "$OUT/stamp"
echo "guest image: $OUT (kernel $kver; modules: $(tr '\n' ' ' < "$root/etc/modules"))"
