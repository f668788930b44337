# libFuzzer harness for senemo-srtp-guard's plain C: the bencode decoder and
# the call/key table learning from ng request/reply pairs (srtp-guard/).
# Seeds: fuzz/corpus/ng_guard.
set(_guard_dir ${CMAKE_CURRENT_LIST_DIR}/../srtp-guard)
senemo_fuzzer(fuzz_ng_guard ${CMAKE_CURRENT_LIST_DIR}/fuzz_ng_guard.c
  ${_guard_dir}/bencode.c ${_guard_dir}/guard_table.c ${_guard_dir}/srtp_sdp.c)
target_include_directories(fuzz_ng_guard PRIVATE ${_guard_dir})
