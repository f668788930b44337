# senemo-bench-hotp: HOTP verify vs raw HMAC-SHA1 throughput (one process,
# JSON on stdout).  include()d from tests/CMakeLists.txt (or the top level);
# needs the senemo_hotp target (included here if the caller has not done so).
include_guard(GLOBAL)

if(NOT TARGET senemo_hotp)
  include(${CMAKE_CURRENT_LIST_DIR}/../../fd-extensions/app_hotp/hotp.cmake)
endif()

add_executable(senemo-bench-hotp ${CMAKE_CURRENT_LIST_DIR}/bench_hotp.c)
set_target_properties(senemo-bench-hotp PROPERTIES
  C_STANDARD 11
  C_STANDARD_REQUIRED ON
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
target_compile_definitions(senemo-bench-hotp PRIVATE _GNU_SOURCE)
target_link_libraries(senemo-bench-hotp PRIVATE senemo_hotp OpenSSL::Crypto)
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(senemo-bench-hotp PRIVATE -Wall -Wextra)
endif()
