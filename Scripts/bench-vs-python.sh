#!/usr/bin/env bash
# Runs ScopeKit's release benchmarks and the Python anchors of the same names in one go, single-threaded
# by default (per-core ratios), and prints a Markdown table: name | ScopeKit s | anchor s | ratio.
#   Scripts/bench-vs-python.sh [--threads N] [--repeats N] [name-prefix ...]
# ratio = anchor time / ScopeKit time (> 1 means ScopeKit is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=1
repeats=5
filters=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) filters+=("$1"); shift ;;
  esac
done
if ! [ -x .reference/anchors/bin/python ]; then bash ../shared/reference/setup.sh .reference; fi
python=.reference/anchors/bin/python

swift build -c release --product ScopeKitBenchmarks >/dev/null
out=$(mktemp -d)
.build/release/ScopeKitBenchmarks --threads "$threads" --repeats "$repeats" "${filters[@]}" > "$out/swift.jsonl"
# One worker for every Python library (numpy/BLAS/scipy.fft) so the ratio is per core.
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
export SCOPEKIT_BENCH_THREADS=$threads
for f in Scripts/bench/*.py; do
  [ "$(basename "$f")" = common.py ] && continue
  PYTHONPATH=Scripts/bench "$python" "$f" --repeats "$repeats" "${filters[@]}" >> "$out/python.jsonl"
done
"$python" - "$out/swift.jsonl" "$out/python.jsonl" "$threads" <<'PY'
import json, sys, platform
swift = {}
for line in open(sys.argv[1]):
    r = json.loads(line); swift[r["name"]] = r["seconds"]
anchor = {}
for line in open(sys.argv[2]):
    r = json.loads(line); anchor[r["name"]] = r["seconds"]
print(f"threads: {sys.argv[3]}  machine: {platform.machine()} {platform.processor() or ''}".rstrip())
print()
print("| benchmark | ScopeKit (s) | Python anchor (s) | ratio (anchor / ScopeKit) |")
print("|---|---:|---:|---:|")
for name in sorted(set(swift) | set(anchor)):
    s = swift.get(name); a = anchor.get(name)
    ratio = f"{a / s:.2f}" if s and a else "–"
    fs = f"{s:.5f}" if s is not None else "–"
    fa = f"{a:.5f}" if a is not None else "–"
    print(f"| {name} | {fs} | {fa} | {ratio} |")
PY
rm -rf "$out"
