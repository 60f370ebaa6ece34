#!/usr/bin/env bash
# Installs what softbr and its tests need on a fresh Debian machine (run as root), then the npm
# packages (which builds the native addon with node-gyp and compiles the TypeScript).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then echo "setup.sh: run as root (it installs Debian packages)" >&2; exit 1; fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  iproute2 iputils-ping iperf3 tcpdump dnsmasq bridge-utils ethtool arping netsniff-ng gcc traceroute wget xz-utils \
  prometheus python3 make g++ qemu-system-x86 ipxe-qemu vde2 vde-switch vdeplug busybox-static iptables dpdk dpdk-dev \
  systemd man-db groff-base chromium clang-14 libclang-rt-14-dev liburing-dev openvswitch-switch linux-perf >/dev/null
npm ci --no-audit --no-fund
