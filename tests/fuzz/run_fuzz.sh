#!/usr/bin/env bash
# Builds a libFuzzer target with clang++ and runs it for a bounded time on a copy of its seed
# corpus. Run by ctest (tests/fuzz/CMakeLists.txt); the main build uses GCC, which has no
# libFuzzer, so the target is compiled here rather than as a CMake target.
#
# usage: run_fuzz.sh CLANGXX SOURCE_DIR OUT_DIR NAME CORPUS SECONDS STRICT SOURCES...
#   NAME     the target, tests/fuzz/NAME.cpp; built as OUT_DIR/NAME
#   CORPUS   seed directory, relative to SOURCE_DIR
#   SECONDS  -max_total_time for the run
#   STRICT   ON to add -Werror
#   SOURCES  project sources (relative to SOURCE_DIR) the target needs, nothing else
#
# Exit: 0 no finding, 1 a crash/invariant violation/timeout or a build failure,
#       77 skipped because clang++ is missing (ctest SKIP_RETURN_CODE).
set -euo pipefail

clangxx=$1 src=$2 out=$3 name=$4 corpus=$5 seconds=$6 strict=$7
shift 7

if [ -z "$clangxx" ] || [ ! -x "$clangxx" ]; then
  echo "$name: SKIPPED, clang++ not found (third_party/install-deps.sh installs clang and libclang-rt-14-dev)"
  exit 77
fi

mkdir -p "$out"
binary=$out/$name
sources=("$src/tests/fuzz/$name.cpp")
for s in "$@"; do sources+=("$src/$s"); done

# Rebuild only when a source, a header next to one, or this script is newer than the binary.
rebuild=no
if [ ! -x "$binary" ]; then
  rebuild=yes
else
  for s in "${sources[@]}" "$0"; do
    for f in "$s" "$(dirname "$s")"/*.hpp; do
      if [ -e "$f" ] && [ "$f" -nt "$binary" ]; then rebuild=yes; fi
    done
  done
fi
if [ "$rebuild" = yes ]; then
  flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Wpedantic
         -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I "$src/src")
  if [ "$strict" = ON ]; then flags+=(-Werror); fi
  echo "$name: $clangxx ${flags[*]} ${sources[*]}"
  "$clangxx" "${flags[@]}" "${sources[@]}" -o "$binary.tmp"
  mv "$binary.tmp" "$binary"
fi

# libFuzzer adds what it finds to the corpus directory: work on a copy, keep the seeds clean.
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$out/artifacts"
cp "$src/$corpus"/* "$work/corpus/"

# -error_exitcode: libFuzzer's default for a finding is 77, which ctest would read as SKIP.
status=0
"$binary" -max_total_time="$seconds" -timeout=5 -max_len=64 -print_final_stats=1 \
  -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$out/artifacts/" "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
  echo "$name: FAILED (libFuzzer exit $status); reproducer in $out/artifacts/, rerun with: $binary <file>"
  exit 1
fi
echo "$name: no finding in ${seconds} s"
