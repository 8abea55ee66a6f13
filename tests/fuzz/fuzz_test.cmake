# The fuzz tests (tests/fuzz/): one clang build of tests/fuzz/ holds every libFuzzer target, an
# external project of the main build (g++ has no libFuzzer), and one CTest per target runs it
# through run_fuzz.sh for a bounded time, seeded. Labelled "unit;fuzz": scripts/test and CI run
# them with the unit tier; `ctest -L fuzz` runs them alone.
set(ATELIER_FUZZ_SECONDS 90 CACHE STRING "time limit of each fuzz test's fuzzing, in seconds")
find_program(ATELIER_CLANGXX clang++)
set(atelier_fuzz_build ${CMAKE_BINARY_DIR}/fuzzers)

# atelier_fuzz_test(NAME <target> RUNS <executions> [SEEDS <files, folders or globs>...]): the
# CTest <target>, which fuzzes for ATELIER_<TARGET>_RUNS executions (a cache variable, RUNS by
# default) or ATELIER_FUZZ_SECONDS, whichever comes first. Seeds: tests/fuzz/<name>/seeds/, the
# inputs written by tests/fuzz/<name>/crashers.py, and SEEDS (globs expanded by run_fuzz.sh).
function(atelier_fuzz_test)
  cmake_parse_arguments(F "" "NAME;RUNS" "SEEDS" ${ARGN})
  string(TOUPPER "ATELIER_${F_NAME}_RUNS" runs_var)
  set(${runs_var} ${F_RUNS} CACHE STRING "libFuzzer executions of ${F_NAME} per test run")
  add_test(NAME ${F_NAME}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz/run_fuzz.sh ${F_NAME} ${atelier_fuzz_build}
                   ${${runs_var}} ${ATELIER_FUZZ_SECONDS} ${F_SEEDS})
  # The fuzzing, plus a build of the target when the main build has not made it.
  math(EXPR timeout "${ATELIER_FUZZ_SECONDS} + 600")
  set_tests_properties(${F_NAME} PROPERTIES LABELS "unit;fuzz" TIMEOUT ${timeout})
endfunction()

if(NOT ATELIER_CLANGXX)
  message(WARNING "clang++ not found: the fuzz tests are not registered (scripts/install-deps installs clang)")
  return()
endif()
include(ExternalProject)
ExternalProject_Add(atelier_fuzzers
  SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
  BINARY_DIR ${atelier_fuzz_build}
  CMAKE_ARGS -DCMAKE_CXX_COMPILER=${ATELIER_CLANGXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
  # The lock run_fuzz.sh takes too: a fuzz test started while the main build runs waits.
  BUILD_COMMAND flock <BINARY_DIR>/.build.lock ${CMAKE_COMMAND} --build <BINARY_DIR>
  BUILD_ALWAYS ON
  INSTALL_COMMAND "")

# RUNS from the speeds measured on the 2-core machine (docs/contributing.md, "Fuzzers"): about
# 60 s or more of fuzzing there, so that ATELIER_FUZZ_SECONDS ends most runs and a faster
# machine stops at RUNS instead.
atelier_fuzz_test(NAME lab_loader_fuzz RUNS 20000
  SEEDS ${CMAKE_SOURCE_DIR}/labs/*/lab.yaml ${CMAKE_SOURCE_DIR}/tests/unit/lab/corpus/*.yaml
        ${CMAKE_SOURCE_DIR}/tests/unit/lab/corpus/checkfiles/*.yaml)
atelier_fuzz_test(NAME agent_message_fuzz RUNS 600000)
atelier_fuzz_test(NAME api_request_fuzz RUNS 400000)

# The runner itself: it must fail when fuzzing finds a crash (tests/fuzz/selftest_test.sh).
add_test(NAME fuzz_runner_selftest
         COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz/selftest_test.sh ${atelier_fuzz_build})
set_tests_properties(fuzz_runner_selftest PROPERTIES LABELS "unit;fuzz" TIMEOUT 600)
