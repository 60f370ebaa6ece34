#!/bin/sh
# Builds the STP interop loop of test/e2e/stp-kernel.test.ts (softbr + two kernel bridges in
# network namespaces, all removed afterwards), then prints `softbr showstp` and `brctl showstp`
# of the same loop one after the other and side by side, TABs made visible in the last part.
# Needs root. Usage: sudo scripts/stp-compare.sh
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "stp-compare: needs root (namespaces, veths, kernel bridges)" >&2; exit 1; }
out=$(mktemp -d /tmp/stp-compare.XXXXXX)
trap 'rm -rf "$out"' EXIT
npx tsc -p tsconfig.json
STP_COMPARE_DIR="$out" npx vitest run test/e2e/stp-kernel.test.ts -t 'converges|showstp' >"$out/vitest.log" 2>&1 || {
  cat "$out/vitest.log" >&2
  exit 1
}
echo "===== softbr showstp ====="
cat "$out/softbr-showstp.txt"
echo "===== brctl showstp (kernel bridge) ====="
cat "$out/brctl-showstp.txt"
echo "===== side by side, TABs as ^I (softbr | kernel) ====="
awk 'NR == FNR { a[FNR] = $0; n = FNR; next }
     { b[FNR] = $0; if (FNR > n) n = FNR }
     END { for (i = 1; i <= n; i++) { l = a[i]; r = b[i]; gsub(/\t/, "^I", l); gsub(/\t/, "^I", r); printf "%-72s | %s\n", l, r } }' \
  "$out/softbr-showstp.txt" "$out/brctl-showstp.txt"
