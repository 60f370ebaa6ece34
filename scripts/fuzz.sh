#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, with AddressSanitizer and UndefinedBehaviorSanitizer) of the
# native addon's parsers of peer-controlled bytes: test/fuzz/*_fuzz.cc, built against the pure C++
# sources they test (no Node). Usage: scripts/fuzz.sh [seconds per target, default 20].
# Exits non-zero on the first crash, leak or sanitizer report; the input that did it is kept in
# build/fuzz/ (crash-*). The seed corpus (test/fuzz/corpus/<target>/) is copied, never written.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
CXX=${CXX:-$(command -v clang++ || command -v clang++-16 || command -v clang++-14 || true)}
if [ -z "$CXX" ]; then echo "fuzz.sh: clang++ not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; fi
NAPI_INC=$(node -p "require('node-addon-api').include_dir")
out=build/fuzz
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE
       -Isrc/native -I"$NAPI_INC" -I/usr/include/node -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS)
# each target and the sources it needs
declare -A SOURCES=(
  [gso]="src/native/gso.cc src/native/checksum.cc"
  [vhost_ring]="src/native/vhost-ring.cc"
)
for t in "${!SOURCES[@]}"; do
  # shellcheck disable=SC2086
  "$CXX" "${flags[@]}" -o "$out/${t}_fuzz" "test/fuzz/${t}_fuzz.cc" ${SOURCES[$t]}
  corpus=$(mktemp -d "$out/${t}-corpus.XXXXXX")
  cp test/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz.sh: $t for ${secs}s"
  (cd "$out" && "./${t}_fuzz" -max_total_time="$secs" -max_len=70000 -rss_limit_mb=1024 -print_final_stats=1 \
      -artifact_prefix="$PWD/" "$(basename "$corpus")")
  rm -rf "$corpus"
done
echo "fuzz.sh: no crash"
