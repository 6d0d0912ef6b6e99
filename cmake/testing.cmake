if(LEDLAB_BUILD_TESTS)
  enable_testing()
  find_package(Catch2 2 REQUIRED)
  include(Catch)
  # One object with Catch2's main, shared by every test program.
  add_library(ledlab_catch_main STATIC ${PROJECT_SOURCE_DIR}/tests/catch_main.cpp)
  target_link_libraries(ledlab_catch_main PUBLIC Catch2::Catch2)
endif()

# ledlab_add_test(NAME <name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>])
function(ledlab_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ledlab_catch_main ledlab_warnings ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE
    LEDLAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}" LEDLAB_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)  # tests/support/...
  # -w NoTests: a test whose name ctest mangled (a `;` splits it) matches nothing and must fail, not pass empty.
  catch_discover_tests(${T_NAME} EXTRA_ARGS -w NoTests PROPERTIES LABELS "${T_LABELS}" TIMEOUT 300)
endfunction()
