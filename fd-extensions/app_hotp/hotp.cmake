# SeNEMO app_hotp core: HOTP/TOTP algorithm + SQLite store (static, PIC) and
# the provisioning CLI `senemo-hotp`.  include()d from
# fd-extensions/app_hotp/CMakeLists.txt; paths are relative to this file.
#
# Targets:
#   senemo_hotp   STATIC library (PIC: linked into the app_hotp .fdx)
#                 PUBLIC include dir = this directory (hotp.h, hotp_store.h)
#   senemo_hotp_pg STATIC library (PIC) with the PostgreSQL backend
#                 (hotp_store_open_pg), built when libpq is found and
#                 SENEMO_HOTP_PG is ON; links senemo_hotp + libpq.
#   senemo-hotp   CLI, written to ${CMAKE_BINARY_DIR}/tools (--pg CONNINFO
#                 available when senemo_hotp_pg is built)
include_guard(GLOBAL)

option(SENEMO_HOTP_PG "build the PostgreSQL store backend of app_hotp (libpq)" ON)

find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
find_package(SQLite3 REQUIRED)          # imported target SQLite::SQLite3
find_package(Threads REQUIRED)

add_library(senemo_hotp STATIC
  ${CMAKE_CURRENT_LIST_DIR}/hotp.c
  ${CMAKE_CURRENT_LIST_DIR}/hotp_pool.c
  ${CMAKE_CURRENT_LIST_DIR}/hotp_store.c
  ${CMAKE_CURRENT_LIST_DIR}/hotp_store_sqlite.c)
set_target_properties(senemo_hotp PROPERTIES
  POSITION_INDEPENDENT_CODE ON
  C_STANDARD 11
  C_STANDARD_REQUIRED ON)
target_compile_definitions(senemo_hotp PRIVATE _GNU_SOURCE)
target_include_directories(senemo_hotp PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(senemo_hotp PUBLIC OpenSSL::Crypto SQLite::SQLite3
                                         Threads::Threads)
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(senemo_hotp PRIVATE -Wall -Wextra)
endif()

add_executable(senemo-hotp ${CMAKE_CURRENT_LIST_DIR}/hotp_cli.c)
set_target_properties(senemo-hotp PROPERTIES
  C_STANDARD 11
  C_STANDARD_REQUIRED ON
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
target_compile_definitions(senemo-hotp PRIVATE _GNU_SOURCE)
target_link_libraries(senemo-hotp PRIVATE senemo_hotp)
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(senemo-hotp PRIVATE -Wall -Wextra)
endif()

if(SENEMO_HOTP_PG)
  find_package(PostgreSQL QUIET)
  if(PostgreSQL_FOUND)
    add_library(senemo_hotp_pg STATIC ${CMAKE_CURRENT_LIST_DIR}/hotp_store_pg.c)
    set_target_properties(senemo_hotp_pg PROPERTIES
      POSITION_INDEPENDENT_CODE ON
      C_STANDARD 11
      C_STANDARD_REQUIRED ON)
    target_compile_definitions(senemo_hotp_pg PRIVATE _GNU_SOURCE)
    target_link_libraries(senemo_hotp_pg PUBLIC senemo_hotp PostgreSQL::PostgreSQL)
    if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
      target_compile_options(senemo_hotp_pg PRIVATE -Wall -Wextra)
    endif()
    target_compile_definitions(senemo-hotp PRIVATE SENEMO_HOTP_HAVE_PG=1)
    target_link_libraries(senemo-hotp PRIVATE senemo_hotp_pg)
  else()
    message(STATUS "app_hotp: libpq not found, PostgreSQL store not built")
  endif()
endif()
