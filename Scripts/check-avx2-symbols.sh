#!/usr/bin/env bash
# Checks that the AVX2 kernel modules share no code symbol with baseline code (ARCHITECTURE.md, "Rules for the
# AVX2 module"): every weak function they define must be one of their own AVX2Sweep specialisations. A weak symbol
# is kept once by the linker, so a shared one could put AVX2 instructions on the baseline path.
#   Scripts/check-avx2-symbols.sh [BUILD_DIR]      (default .build/release; run after `swift build -c release`)
set -euo pipefail
[ "$(uname -m)" = x86_64 ] || { echo "check-avx2-symbols: not x86-64, nothing to check"; exit 0; }
status=0
for module in ScopeKitFlatFieldAVX2 ScopeKitLevellingAVX2; do
  dir=${1:-.build/release}/$module.build
  ls "$dir"/*.o >/dev/null 2>&1 || { echo "check-avx2-symbols: no objects in $dir (build first)"; exit 1; }
  weak=$(nm --defined-only "$dir"/*.o | awk '$2 == "W" { print $3 }' | swift demangle)
  bad=$(printf '%s\n' "$weak" | grep -v 'AVX2Sweep' | grep -v '^$' || true)
  if [ -n "$bad" ]; then
    echo "check-avx2-symbols: weak symbols of $module that baseline code could share:"
    printf '%s\n' "$bad"
    status=1
  else
    echo "check-avx2-symbols: $module: $(printf '%s\n' "$weak" | grep -c . || true) weak symbols, all AVX2Sweep specialisations"
  fi
done
exit $status
