#!/usr/bin/env bash
# Runs ScopeKit's release benchmarks and the Python anchors of the same names in one go, single-threaded
# by default (per-core ratios), and prints a Markdown table: name | ScopeKit s | anchor s | ratio.
#   Scripts/bench-vs-python.sh [--threads N] [--repeats N] [--rounds R] [name-prefix ...]
# ratio = anchor time / ScopeKit time (> 1 means ScopeKit is faster).
# --rounds R (default 1) alternates the two sides R times (ScopeKit, anchors, ScopeKit, anchors, …), so a slow
# minute hits both; each side's time is then the minimum and the median over the rounds of its per-run median,
# and both ratios (of minima, of medians) are printed.
# Both sides run pinned (taskset) to the first N CPUs the script may use, N = --threads: thread-count settings do
# not stop every library from using more cores (BaSiCPy's jax with XLA limited to one thread still kept ≈ 1.2
# cores busy, 5.1 s unpinned vs 6.1 s pinned), and "per core" means on N cores. --no-pin runs them unpinned.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=1
repeats=5
rounds=1
pin=1
filters=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-pin) pin=0; shift ;;
    *) filters+=("$1"); shift ;;
  esac
done
if ! [ -x .reference/anchors/bin/python ]; then bash ../shared/reference/setup.sh .reference; fi
python=.reference/anchors/bin/python

swift build -c release --product ScopeKitBenchmarks >/dev/null
out=$(mktemp -d)
# One worker for every Python library (numpy/BLAS/scipy.fft) so the ratio is per core.
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
export SCOPEKIT_BENCH_THREADS=$threads
on=()
if [ "$pin" = 1 ] && command -v taskset >/dev/null; then
  cpus=$(python3 -c "import os, sys; print(','.join(map(str, sorted(os.sched_getaffinity(0))[:int(sys.argv[1])])))" "$threads")
  on=(taskset -c "$cpus")
fi
for _ in $(seq "$rounds"); do
  "${on[@]}" .build/release/ScopeKitBenchmarks --threads "$threads" --repeats "$repeats" "${filters[@]}" >> "$out/swift.jsonl"
  for f in Scripts/bench/*.py; do
    [ "$(basename "$f")" = common.py ] && continue
    PYTHONPATH=Scripts/bench "${on[@]}" "$python" "$f" --repeats "$repeats" "${filters[@]}" >> "$out/python.jsonl"
  done
done
"$python" - "$out/swift.jsonl" "$out/python.jsonl" "$threads" "$rounds" "${cpus:-no}" <<'PY'
import collections, json, statistics, sys, platform
def load(path):
    times = collections.defaultdict(list)
    for line in open(path):
        if line.startswith("{"):
            r = json.loads(line); times[r["name"]].append(r["seconds"])
    return times
swift, anchor = load(sys.argv[1]), load(sys.argv[2])
rounds = int(sys.argv[4])
print(f"threads: {sys.argv[3]}  rounds: {rounds}  pinned: {sys.argv[5]}  machine: {platform.machine()} {platform.processor() or ''}".rstrip())
print()
if rounds == 1:
    print("| benchmark | ScopeKit (s) | Python anchor (s) | ratio (anchor / ScopeKit) |")
    print("|---|---:|---:|---:|")
else:
    print("| benchmark | ScopeKit min / median (s) | Python anchor min / median (s) | ratio of minima | ratio of medians |")
    print("|---|---:|---:|---:|---:|")
def cell(xs):
    if not xs: return "–"
    return f"{min(xs):.5f}" if rounds == 1 else f"{min(xs):.5f} / {statistics.median(xs):.5f}"
for name in sorted(set(swift) | set(anchor)):
    s, a = swift.get(name, []), anchor.get(name, [])
    if rounds == 1:
        ratio = f"{a[0] / s[0]:.2f}" if s and a else "–"
        print(f"| {name} | {cell(s)} | {cell(a)} | {ratio} |")
    else:
        rmin = f"{min(a) / min(s):.2f}" if s and a else "–"
        rmed = f"{statistics.median(a) / statistics.median(s):.2f}" if s and a else "–"
        print(f"| {name} | {cell(s)} | {cell(a)} | {rmin} | {rmed} |")
PY
rm -rf "$out"
