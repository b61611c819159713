#!/usr/bin/env bash
# Runs the benchmark suite with TensorDsl's generated kernels and with PyTorch, same shapes, same thread count, in
# one run, and prints per case and direction: ms for both, torch/ours, our GFLOP/s and % of the measured FMA peak,
# allocations per call and the max relative error against torch. Ends with "geomean speedup vs torch: X.XX".
#   samples/Benchmarks/compare.sh                 # 2 threads, every case
#   THREADS=1 CASES=cifar_3x3,maxpool samples/Benchmarks/compare.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
threads="${THREADS:-2}"
cases="${CASES:-}"
python="${PYTHON:-/usr/bin/python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tensordsl-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT

dotnet build "$here/Benchmarks.csproj" -c Release -nologo -v quiet -o "$work/bin" >&2
echo "PyTorch ($threads threads)..." >&2
OMP_NUM_THREADS="$threads" "$python" "$here/torch_bench.py" "$work" "$threads" "$cases"
echo "TensorDsl ($threads threads)..." >&2
TENSORDSL_THREADS="$threads" DOTNET_TieredPGO=1 dotnet "$work/bin/Benchmarks.dll" compare "$work" "$threads" "$cases"
