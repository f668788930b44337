# senemo-srtp: RTP/SRTP media verifier for the ALG tests and `bench alg`
# (libsrtp2 through pkg-config). include()d from tests/tools/CMakeLists.txt;
# the binary lands in ${CMAKE_BINARY_DIR}/tools/ with the other test tools.
include_guard(GLOBAL)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SRTP2 REQUIRED IMPORTED_TARGET libsrtp2)

add_executable(senemo-srtp
  ${CMAKE_CURRENT_LIST_DIR}/srtp_verifier.c
  ${CMAKE_CURRENT_LIST_DIR}/srtp_stats.c)
# srtp_sdp.c lives in srtp-guard/ (shared with senemo-srtp-guard)
target_link_libraries(senemo-srtp PRIVATE senemo_srtp_sdp senemo_srtp_policy PkgConfig::SRTP2 m)
target_compile_definitions(senemo-srtp PRIVATE _GNU_SOURCE)
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(senemo-srtp PRIVATE -Wall -Wextra)
endif()
set_target_properties(senemo-srtp PROPERTIES
  C_STANDARD 11
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
