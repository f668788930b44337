# libFuzzer harness for the RFC 7339 Via-parameter and Retry-After parsers
# of the ovsense Kamailio module (plain C, no Kamailio dependency).
# Seeds: fuzz/corpus/ovsense_oc.
set(_ovs_dir ${CMAKE_CURRENT_LIST_DIR}/../kamailio-modules/ovsense)
senemo_fuzzer(fuzz_ovsense_oc ${CMAKE_CURRENT_LIST_DIR}/fuzz_ovsense_oc.c
  ${_ovs_dir}/ovs_oc.c ${_ovs_dir}/ovs_ctl.c ${_ovs_dir}/ovs_est.c)
target_include_directories(fuzz_ovsense_oc PRIVATE ${_ovs_dir})
