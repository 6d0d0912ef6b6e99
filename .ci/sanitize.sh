#!/usr/bin/env bash
# CI's sanitizer stages, also for running by hand:
#   bash .ci/sanitize.sh address   every test under AddressSanitizer + UndefinedBehaviorSanitizer
#   bash .ci/sanitize.sh thread    the threaded parts under ThreadSanitizer
# Each builds in build-<mode>/ (-O1: fast enough to run, still readable stacks; no window, no
# benchmarks, no fuzz targets) and runs its tests with ctest. A sanitizer report from any
# process, the tests' own or a `ledlab` they spawn and whose output they keep, goes to
# build-<mode>/sanitizer-logs/ and fails the stage even if the test itself passed.
# CMAKE_CXX_COMPILER_LAUNCHER=ccache in the environment is honoured (CI has none).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: .ci/sanitize.sh address|thread}
build=build-$mode
root=$PWD
jobs=${LEDLAB_JOBS:-2}

case $mode in
  address)
    # Every test program. The dashboard's window (LEDLAB_BUILD_GUI) is left out: its tests
    # render through Mesa under Xvfb, which is not ours to check; its data thread is in gui/core.
    targets=(all)
    exclude='_NOT_BUILT'
    ;;
  thread)
    # The programs that run our threads: the store's writer (db), the simulated bench's twins
    # on their own threads (sim, instruments), the simulated USB bus (usbtmc link and
    # instruments), the libusb event thread (umockdev replays: test_libusb_umockdev, ledlab
    # list-usb/query), the dashboard's data thread (gui units and results), the engine's
    # watchdog and the run host's threads (engine tests, ledlab for the hang guard and the CLI), the
    # webhook sender's thread (test_alerts), the twins' VXI-11, HiSLIP, Modbus and serial servers
    # on their own threads against the links (test_vxi11_link, test_hislip_station,
    # test_modbus_link with libmodbus's server thread, test_modbus_chamber, test_serial_link), the
    # lab shipper's thread woken by the store's writer thread (lab_shipper_tests).
    targets=(db_tests db_crash_tests store_crash_writer ledlab_sim_model_tests test_bert
             test_usbtmc_link test_usbtmc_instruments test_libusb_umockdev ledlab test_gui_units test_gui_results
             test_watchdog test_run_hang_guard test_run_interruptions test_control_endpoint test_cli test_alerts test_batch
             test_operator_prompts test_vxi11_link test_hislip_station test_modbus_link test_modbus_chamber test_serial_link
             lab_shipper_tests)
    # Tests of programs not built here show up as *_NOT_BUILT; pyvisa only repeats test_cli's
    # ledlab sim through Python. TSan runs a signal's handler only when the receiving thread
    # next enters the runtime; a thread stuck inside Lua's (uninstrumented) pattern matcher
    # never does, so a SIGTERM sent to it is never seen: that test cannot run under TSan (the
    # ASan stage runs it; the watchdog's own timeout path is run here).
    exclude='_NOT_BUILT|^pyvisa_twins$|^SIGTERM to a run stuck in a catastrophic pattern'
    ;;
  *) echo "sanitize.sh: unknown mode '$mode' (address or thread)" >&2; exit 2 ;;
esac

stage() { echo "== sanitize $mode: $1 ($(date +%T), ${SECONDS}s into the stage)"; }

stage configure
# RelWithDebInfo's flags replaced: -O1 for speed under the sanitizers, -g1 for line tables in
# stacks at a fraction of full debug info's compile time; no NDEBUG. Warnings are the main
# build's job: GCC's -O1 flow analysis under instrumentation raises false positives.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
  -DLEDLAB_SANITIZE="$mode" -DLEDLAB_STRICT_WARNINGS=OFF -DLEDLAB_BUILD_GUI=OFF \
  -DLEDLAB_BUILD_BENCH=OFF -DLEDLAB_BUILD_FUZZ=OFF >/dev/null

stage "build ${targets[*]}"
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

logs=$root/$build/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
supp=$root/tests/sanitize
# log_path: reports of child processes whose output a test keeps to itself still surface.
export ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp:log_path=$logs/tsan"

stage test
status=0
ctest --test-dir "$build" --output-on-failure -j"$jobs" -E "$exclude" || status=$?

shopt -s nullglob
reports=("$logs"/*)
if [ ${#reports[@]} -gt 0 ]; then
  for r in "${reports[@]}"; do echo "---- $r"; cat "$r"; done
  echo "sanitize $mode: ${#reports[@]} sanitizer report(s) above" >&2
  status=1
fi
stage "done (exit $status)"
exit $status
