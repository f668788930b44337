# Unit tests of the plain-C parts of the media verifier senemo-srtp
# (srtp-guard/srtp_sdp.c: base64, RFC 4568 a=crypto, SDP; srtp_stats.c:
# sequence accounting, RFC 3550 jitter, gaps, percentiles, payload pattern).
# No libsrtp. include()d from tests/CMakeLists.txt, which has found cmocka.
set(_srtp_tools ${CMAKE_CURRENT_LIST_DIR}/../tools)
add_executable(test_srtp_verifier
  ${CMAKE_CURRENT_LIST_DIR}/test_srtp_verifier.c
  ${CMAKE_CURRENT_LIST_DIR}/../../srtp-guard/srtp_sdp.c
  ${_srtp_tools}/srtp_stats.c)
target_include_directories(test_srtp_verifier PRIVATE ${_srtp_tools} ${CMAKE_CURRENT_LIST_DIR}/../../srtp-guard)
target_link_libraries(test_srtp_verifier PRIVATE PkgConfig::CMOCKA m)
add_test(NAME unit.srtp_verifier COMMAND test_srtp_verifier)
set_tests_properties(unit.srtp_verifier PROPERTIES LABELS unit TIMEOUT 60)
