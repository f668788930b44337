# Unit tests of the plain-C parts of senemo-srtp-guard (srtp-guard/: the
# bencode decoder and the call/key table learning from ng offer/answer/
# delete). No libsrtp, no sockets. include()d from tests/CMakeLists.txt,
# which has found cmocka.
set(_guard_dir ${CMAKE_CURRENT_LIST_DIR}/../../srtp-guard)
add_executable(test_srtp_guard
  ${CMAKE_CURRENT_LIST_DIR}/test_srtp_guard.c
  ${_guard_dir}/bencode.c
  ${_guard_dir}/guard_table.c
  ${_guard_dir}/srtp_sdp.c)
target_include_directories(test_srtp_guard PRIVATE ${_guard_dir})
target_link_libraries(test_srtp_guard PRIVATE PkgConfig::CMOCKA)
add_test(NAME unit.srtp_guard COMMAND test_srtp_guard)
set_tests_properties(unit.srtp_guard PROPERTIES LABELS unit TIMEOUT 60)
