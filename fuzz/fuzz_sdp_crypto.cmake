# libFuzzer harness for the SDP / a=crypto / base64 parsers of the media
# verifier senemo-srtp (srtp-guard/srtp_sdp.c, shared with senemo-srtp-guard; plain C). Seeds:
# fuzz/corpus/sdp_crypto.
set(_srtp_sdp_dir ${CMAKE_CURRENT_LIST_DIR}/../srtp-guard)
senemo_fuzzer(fuzz_sdp_crypto ${CMAKE_CURRENT_LIST_DIR}/fuzz_sdp_crypto.c ${_srtp_sdp_dir}/srtp_sdp.c)
target_include_directories(fuzz_sdp_crypto PRIVATE ${_srtp_sdp_dir})
