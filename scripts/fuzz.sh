#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Long fuzzing campaign with libFuzzer (clang-14): configures the fuzz build in
# build-fuzz/ (everything instrumented with -fsanitize=fuzzer-no-link,address,undefined),
# builds the targets, runs them one after another and prints the executions per target.
#
#   scripts/fuzz.sh [--time S] [--runs N] [target...]
#
#   --time S   stop each target after S seconds (default 600 when --runs is not given)
#   --runs N   stop each target after N executions (with --time: whichever comes first)
#   target     bbheader plsc gse ts bbframe link_report protect_open sigmf config control_api http (default: all)
#
# Per target: the seed corpus tests/fuzz/corpus/<t>/ is read, new interesting inputs go
# to build-fuzz/corpus/<t>/ (never into the repository), crashes, timeouts and leaks to
# build-fuzz/crashes/<t>/, the log to build-fuzz/logs/<t>.log. Reproduce a crash with
#   build-fuzz/tests/fuzz/fuzz_<t> build-fuzz/crashes/<t>/crash-...
# and keep it as a regression in tests/fuzz/regressions/<t>/ (the test suite replays it).
# Environment: CC/CXX (default clang-14/clang++-14), FUZZ_BUILD_DIR (default build-fuzz),
# FUZZ_ARGS (extra libFuzzer flags), DUALSAT_FUZZ_KNOWN (see tests/fuzz/README.md).
set -euo pipefail

ALL_TARGETS=(bbheader plsc gse ts bbframe link_report protect_open sigmf config control_api http)
declare -A MAX_LEN=([bbheader]=64 [plsc]=1024 [gse]=4096 [ts]=4096 [bbframe]=8192 [link_report]=64 [protect_open]=8192
                    [sigmf]=4096 [config]=4096 [control_api]=4096 [http]=4096)
declare -A DICT=([sigmf]=json.dict [config]=yaml.dict [control_api]=json.dict [http]=http.dict)

time_s="" runs=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '3,22p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) [[ -n "${MAX_LEN[$1]:-}" ]] || { echo "unknown target $1 (${ALL_TARGETS[*]})" >&2; exit 2; }
       targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
[ -n "$time_s$runs" ] || time_s=600

src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENABLE_FUZZING=ON \
      -DENABLE_PYTHON=OFF -DENABLE_DOXYGEN=OFF \
      -DCMAKE_C_COMPILER="${CC:-clang-14}" -DCMAKE_CXX_COMPILER="${CXX:-clang++-14}" \
      $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/crashes/$t" "$build/logs"
  args=(-max_len="${MAX_LEN[$t]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$build/crashes/$t/")
  [ -n "$time_s" ] && args+=(-max_total_time="$time_s")
  [ -n "$runs" ] && args+=(-runs="$runs")
  [ -n "${DICT[$t]:-}" ] && args+=(-dict="$src/tests/fuzz/dict/${DICT[$t]}")
  log="$build/logs/$t.log"
  echo "== fuzz_$t: ${args[*]}"
  rc=0
  # shellcheck disable=SC2086
  "$build/tests/fuzz/fuzz_$t" "${args[@]}" ${FUZZ_ARGS:-} "$build/corpus/$t" \
      "$src/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED (rc $rc): $(grep -m1 -E 'ERROR:|invariant broken|unexpected exception|runtime error' "$log" || true)"
    status=1
  fi
  rate=""
  [ -n "$secs" ] && [ "${secs:-0}" -gt 0 ] && rate=" ($((execs / secs)) exec/s)"
  summary+=("$(printf '%-12s %12s executions in %ss%s  %s' "$t" "${execs:-?}" "${secs:-?}" "$rate" "$result")")
  echo "${summary[-1]}"
done
echo
echo "executions per target:"
printf '  %s\n' "${summary[@]}"
if find "$build/crashes" -type f | grep -q .; then
  echo "crash/timeout/leak inputs:"
  find "$build/crashes" -type f | sed 's/^/  /'
fi
exit $status
