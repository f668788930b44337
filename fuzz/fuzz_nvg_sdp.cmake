# libFuzzer harness for the nvg module's SDP rewriter (plain C, no
# Kamailio). Seeds: fuzz/corpus/nvg_sdp.
set(_nvg_dir ${CMAKE_CURRENT_LIST_DIR}/../kamailio-modules/nvg)
senemo_fuzzer(fuzz_nvg_sdp ${CMAKE_CURRENT_LIST_DIR}/fuzz_nvg_sdp.c ${_nvg_dir}/nvg_sdp.c)
target_include_directories(fuzz_nvg_sdp PRIVATE ${_nvg_dir})
