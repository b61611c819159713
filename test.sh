#!/usr/bin/env bash
# Runs every TensorDsl test, on a fresh machine too: it first installs the OpenCL CPU runtime (PoCL) that the
# OpenCL tests run on when it is missing, then runs the suite twice over one build — the OpenCL tests
# (Category=OpenCL) and everything else — and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

have_opencl() { ldconfig -p 2>/dev/null | grep -q 'libOpenCL.so.1' && ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; }
if ! have_opencl; then
  echo "Installing PoCL (OpenCL on the CPU) for the OpenCL tests..."
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends pocl-opencl-icd ocl-icd-libopencl1 >/dev/null
fi
# PoCL compiles kernels into a cache directory that must be writable.
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-${TMPDIR:-/tmp}/tensordsl-pocl-cache}"
mkdir -p "$POCL_CACHE_DIR"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
dotnet build TensorDsl.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

run() { # name, filter
  dotnet test tests/TensorDsl.Tests/TensorDsl.Tests.csproj -c Release --no-build -nologo \
    --filter "$2" --logger "trx;LogFileName=$1.trx" --results-directory "$results" --logger "console;verbosity=minimal"
}
run opencl "Category=OpenCL"; opencl_status=$?
run other "Category!=OpenCL"; other_status=$?

count() { grep -o "<Counters [^>]*" "$results/$1.trx" 2>/dev/null | grep -o "$2=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
opencl_passed=$(count opencl passed); opencl_failed=$(count opencl failed)
other_passed=$(count other passed); other_failed=$(count other failed)
echo "OpenCL tests (PoCL): ${opencl_passed} passed, ${opencl_failed} failed"
echo "other tests: ${other_passed} passed, ${other_failed} failed"
passed=$((opencl_passed + other_passed)); failed=$((opencl_failed + other_failed))
if [ "$passed" -eq 0 ] || [ "$opencl_status" -ne 0 ] || [ "$other_status" -ne 0 ]; then [ "$failed" -gt 0 ] || failed=1; fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
