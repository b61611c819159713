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
# The .NET side starts torch_bench.py ($python) as a timing server and asks it for each case and direction right
# before timing its own kernel (5 interleaved rounds, medians), so that both see the same load.
echo "TensorDsl and PyTorch ($threads threads)..." >&2
PYTHON="$python" TENSORDSL_THREADS="$threads" dotnet "$work/bin/Benchmarks.dll" compare "$work" "$threads" "$cases"
