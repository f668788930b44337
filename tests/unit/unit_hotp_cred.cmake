# Unit tests of the HOTP credential parser of the hotp_auth Kamailio module
# (plain C, no Kamailio dependency). include()d from tests/CMakeLists.txt,
# which has found cmocka (PkgConfig::CMOCKA).
set(_hotp_auth_dir ${CMAKE_CURRENT_LIST_DIR}/../../kamailio-modules/hotp_auth)
add_executable(test_hotp_cred
  ${CMAKE_CURRENT_LIST_DIR}/test_hotp_cred.c
  ${_hotp_auth_dir}/hotp_cred.c)
target_include_directories(test_hotp_cred PRIVATE ${_hotp_auth_dir})
target_link_libraries(test_hotp_cred PRIVATE PkgConfig::CMOCKA)
add_test(NAME unit.hotp_cred COMMAND test_hotp_cred)
set_tests_properties(unit.hotp_cred PROPERTIES LABELS unit TIMEOUT 60)
