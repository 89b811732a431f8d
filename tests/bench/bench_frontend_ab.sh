#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Before/after of the receive front end in one process (see frontend_ab.cc):
#   tests/bench/bench_frontend_ab.sh BEFORE_COMMIT RECORDING.cf32 [samples] [rounds] [correction]
# Run from the source tree, with its Release build in ./build (BUILD=... otherwise). A
# recording: bench_realtime.py writes them (e.g. its "generate" child). Not a test.
set -euo pipefail
before=$1; shift
src=$(pwd)
build=${BUILD:-$src/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$src" archive "$before" lib | tar -x -C "$work"
incs() { for l in rx dsp core modcod; do printf -- "-I%s/lib/%s/include " "$1" "$l"; done; }
# The flags of the lib's layers (lib/CMakeLists.txt): without -fno-semantic-interposition,
# -fPIC keeps the timing loop's update out of line and the "before" would be handicapped.
flags="-O3 -DNDEBUG -std=c++17 -ffp-contract=off -fPIC -fno-semantic-interposition"
objs=()
for f in "$work"/lib/rx/rx_frontend.cc "$work"/lib/rx/timing_recovery.cc "$work"/lib/rx/timing_loop_*.cc \
         "$work"/lib/dsp/agc.cc "$work"/lib/dsp/resampler.cc "$work"/lib/dsp/polyphase_fir.cc \
         "$work"/lib/dsp/rrc.cc "$work"/lib/dsp/fir_kernels*.cc "$work"/lib/dsp/sample_kernels*.cc \
         "$work"/lib/core/cpu_features.cc "$work"/lib/core/simd.cc; do
  [ -f "$f" ] || continue
  isa=""
  case $f in *_avx2.cc) isa="-mavx2 -mfma -mbmi -mbmi2";; *_sse41.cc) isa="-msse4.1 -mssse3";; esac
  o="$work/$(basename "$f" .cc).o"
  g++ $flags $isa -Ddualsat=dualsat_old $(incs "$work") -c "$f" -o "$o"
  objs+=("$o")
done
g++ $flags -DRUNNER=old -Ddualsat=dualsat_old $(incs "$work") -c "$src/tests/bench/frontend_ab.cc" -o "$work/old.o"
g++ $flags -DRUNNER=new $(incs "$src") -c "$src/tests/bench/frontend_ab.cc" -o "$work/new.o"
g++ $flags "$src/tests/bench/frontend_ab.cc" "$work/old.o" "$work/new.o" "${objs[@]}" -o "$work/ab" \
    -L"$build/lib" -ldualsat -Wl,-rpath,"$build/lib"
"$work/ab" "$@"
