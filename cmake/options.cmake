# Every build option, printed at configure time.
option(LEDLAB_STRICT_WARNINGS "Treat warnings as errors (CI)" OFF)
option(LEDLAB_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
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

if(LEDLAB_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
