# Unit tests of the app_hotp core and store (cmocka).  include()d from
# tests/CMakeLists.txt; needs the senemo_hotp target (included here if the
# caller has not done so).  Tests: unit.hotp, unit.hotp_store (label: unit).
include_guard(GLOBAL)

find_package(PkgConfig REQUIRED)
if(NOT CMOCKA_FOUND)
  pkg_check_modules(CMOCKA REQUIRED cmocka)
endif()
find_package(SQLite3 REQUIRED)
find_package(Threads REQUIRED)
if(NOT TARGET senemo_hotp)
  include(${CMAKE_CURRENT_LIST_DIR}/../../fd-extensions/app_hotp/hotp.cmake)
endif()

foreach(_t test_hotp test_hotp_store)
  add_executable(${_t} ${CMAKE_CURRENT_LIST_DIR}/${_t}.c)
  set_target_properties(${_t} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
  target_compile_definitions(${_t} PRIVATE _GNU_SOURCE)
  target_include_directories(${_t} PRIVATE ${CMOCKA_INCLUDE_DIRS})
  target_link_libraries(${_t} PRIVATE senemo_hotp ${CMOCKA_LINK_LIBRARIES}
                                      SQLite::SQLite3 Threads::Threads)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${_t} PRIVATE -Wall -Wextra)
  endif()
endforeach()
# proves that OTP comparison goes through OpenSSL's constant-time compare
target_link_options(test_hotp PRIVATE -Wl,--wrap=CRYPTO_memcmp)

add_test(NAME unit.hotp COMMAND test_hotp)
add_test(NAME unit.hotp_store COMMAND test_hotp_store)
set_tests_properties(unit.hotp unit.hotp_store PROPERTIES LABELS unit)
set_tests_properties(unit.hotp_store PROPERTIES TIMEOUT 300)

# test_hotp_store also drives the senemo-hotp CLI (exit codes, outputs)
target_compile_definitions(test_hotp_store PRIVATE
  SENEMO_HOTP_CLI="$<TARGET_FILE:senemo-hotp>")
add_dependencies(test_hotp_store senemo-hotp)

# The same store tests against the PostgreSQL backend, on a private server
# that the test starts itself (initdb + pg_ctl in a temporary directory, Unix
# socket only; as the `postgres` user via runuser when run as root).  Added
# only when the backend is built and the server binaries are installed.
if(TARGET senemo_hotp_pg)
  file(GLOB _hotp_pg_initdb /usr/lib/postgresql/*/bin/initdb)
  if(_hotp_pg_initdb)
    add_executable(test_hotp_store_pg ${CMAKE_CURRENT_LIST_DIR}/test_hotp_store.c)
    set_target_properties(test_hotp_store_pg PROPERTIES
      C_STANDARD 11 C_STANDARD_REQUIRED ON)
    target_compile_definitions(test_hotp_store_pg PRIVATE _GNU_SOURCE HOTP_TEST_PG)
    target_include_directories(test_hotp_store_pg PRIVATE ${CMOCKA_INCLUDE_DIRS})
    target_link_libraries(test_hotp_store_pg PRIVATE senemo_hotp_pg
                          ${CMOCKA_LINK_LIBRARIES} Threads::Threads)
    if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
      target_compile_options(test_hotp_store_pg PRIVATE -Wall -Wextra)
    endif()
    add_test(NAME unit.hotp_store_pg COMMAND test_hotp_store_pg)
    set_tests_properties(unit.hotp_store_pg PROPERTIES LABELS unit TIMEOUT 300)
  endif()
endif()
