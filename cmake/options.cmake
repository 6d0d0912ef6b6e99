# Every build option, printed at configure time.
option(LEDLAB_STRICT_WARNINGS "Treat warnings as errors (CI)" OFF)
set(LEDLAB_SANITIZE OFF CACHE STRING
  "Sanitizers: OFF, address (ASan + UBSan; ON means the same) or thread (TSan); ASan and TSan exclude each other")
set_property(CACHE LEDLAB_SANITIZE PROPERTY STRINGS OFF ON address thread)
option(LEDLAB_BUILD_TESTS "Build the Catch2 tests" ON)
option(LEDLAB_BUILD_BENCH "Build the benchmark programs in tests/bench" ON)
option(LEDLAB_BUILD_GUI "Build the ImGui dashboard" ON)
option(LEDLAB_BUILD_FUZZ "Run the libFuzzer targets in tests/fuzz as ctest tests (label fuzz; needs clang)" ON)

message(STATUS "ledlab ${PROJECT_VERSION} build type: ${CMAKE_BUILD_TYPE}")
foreach(opt LEDLAB_STRICT_WARNINGS LEDLAB_SANITIZE LEDLAB_BUILD_TESTS LEDLAB_BUILD_BENCH LEDLAB_BUILD_GUI LEDLAB_BUILD_FUZZ)
  message(STATUS "  ${opt} = ${${opt}}")
endforeach()

# Warnings apply to our targets only, through this interface library.
add_library(ledlab_warnings INTERFACE)
target_compile_options(ledlab_warnings INTERFACE -Wall -Wextra -Wpedantic
  # GCC 12 false positives: Asio's coroutine frame allocator as a mismatched new/delete, and
  # -Wrestrict on std::string assignment at -O2 (GCC bug 105329), both fixed in GCC 13.
  # Designated initialisers that leave fields at their defaults are intended.
  -Wno-mismatched-new-delete -Wno-restrict -Wno-missing-field-initializers)
if(LEDLAB_STRICT_WARNINGS)
  target_compile_options(ledlab_warnings INTERFACE -Werror)
endif()

# One sanitizer family per build: ASan and TSan shadow memory cannot share a process.
# LEDLAB_ASAN / LEDLAB_TSAN tell the test folders which runtime their programs carry.
string(TOLOWER "${LEDLAB_SANITIZE}" _ledlab_sanitize)
set(LEDLAB_ASAN OFF)
set(LEDLAB_TSAN OFF)
if(_ledlab_sanitize MATCHES "^(on|address)$")
  set(LEDLAB_ASAN ON)
  # _GLIBCXX_ASSERTIONS: bounds checks on operator[] within a container's capacity, where
  # ASan sees only valid memory. No vptr check: on the first sight of each dynamic type,
  # libubsan probes the vtable's memory through a pipe(2), so in a process that has used up
  # its descriptors (the accept-loop tests do, on purpose) it reports "invalid vptr" for sound
  # objects; ASan still finds the freed or overrun objects that carry a bad vptr.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
elseif(_ledlab_sanitize STREQUAL "thread")
  set(LEDLAB_TSAN ON)
  # -Wno-tsan: GCC 12 warns at every inlined std::atomic_thread_fence (Asio's) that TSan does
  # not model fences; it could only make TSan report too much, and a report fails the stage.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(NOT _ledlab_sanitize MATCHES "^(off|no|false|0|)$")
  message(FATAL_ERROR "LEDLAB_SANITIZE=${LEDLAB_SANITIZE}: expected OFF, address (or ON) or thread")
endif()
