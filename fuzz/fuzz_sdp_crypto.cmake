# libFuzzer harness for the SDP / a=crypto / base64 parsers of the media
# verifier senemo-srtp (tests/tools/srtp_sdp.c, plain C). Seeds:
# fuzz/corpus/sdp_crypto.
set(_srtp_tools ${CMAKE_CURRENT_LIST_DIR}/../tests/tools)
senemo_fuzzer(fuzz_sdp_crypto ${CMAKE_CURRENT_LIST_DIR}/fuzz_sdp_crypto.c ${_srtp_tools}/srtp_sdp.c)
target_include_directories(fuzz_sdp_crypto PRIVATE ${_srtp_tools})
