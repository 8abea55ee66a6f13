# Adds every immediate subfolder, in name order: under tests/{unit,integration,e2e} and bench/ each
# folder is an area whose tests or benches register themselves, so a new area needs no list
# edited. A folder without a CMakeLists.txt fails the configure step instead of being skipped
# (its tests would silently never run).
function(atelier_add_all_subdirs)
  file(GLOB children RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(dir IN LISTS children)
    if(NOT IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${dir} OR dir MATCHES "^(\\.|__pycache__$)")
      continue()
    endif()
    if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
      message(FATAL_ERROR "${CMAKE_CURRENT_SOURCE_DIR}/${dir} has no CMakeLists.txt: every folder "
                          "here is an area whose tests must be registered; add one (a sibling's "
                          "shows how) or move the folder")
    endif()
    add_subdirectory(${dir})
  endforeach()
endfunction()

# atelier_test(NAME TIER SOURCES... LIBS ...): one GoogleTest binary labelled with its tier
# (unit, integration or e2e) so that `ctest -L unit` runs one tier.
function(atelier_test name tier)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} atelier_test_support GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  # e2e tests boot real guests: one at a time (tests/e2e/CMakeLists.txt says why).
  set(serial FALSE)
  if(tier STREQUAL "e2e")
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${tier} TIMEOUT ${T_TIMEOUT} RUN_SERIAL ${serial}
    DISCOVERY_TIMEOUT 30)
endfunction()
