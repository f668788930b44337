# libFuzzer harness for the HOTP credential parser of the hotp_auth Kamailio
# module (plain C, no Kamailio dependency). Seeds: fuzz/corpus/hotp_cred.
set(_ha_dir ${CMAKE_CURRENT_LIST_DIR}/../kamailio-modules/hotp_auth)
senemo_fuzzer(fuzz_hotp_cred ${CMAKE_CURRENT_LIST_DIR}/fuzz_hotp_cred.c ${_ha_dir}/hotp_cred.c)
target_include_directories(fuzz_hotp_cred PRIVATE ${_ha_dir})
