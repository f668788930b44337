# libFuzzer harness for the app_hotp configuration parser.
set(_ah_dir ${CMAKE_CURRENT_LIST_DIR}/../fd-extensions/app_hotp)
senemo_fuzzer(fuzz_app_hotp_conf ${CMAKE_CURRENT_LIST_DIR}/fuzz_app_hotp_conf.c ${_ah_dir}/app_hotp_conf.c)
target_include_directories(fuzz_app_hotp_conf PRIVATE ${_ah_dir})
