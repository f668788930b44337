# libFuzzer harness for the Contact/URI mapping of the nvg Kamailio module
# (plain C, no Kamailio dependency). Seeds: fuzz/corpus/nvg_contact.
set(_nvg_dir ${CMAKE_CURRENT_LIST_DIR}/../kamailio-modules/nvg)
senemo_fuzzer(fuzz_nvg_contact ${CMAKE_CURRENT_LIST_DIR}/fuzz_nvg_contact.c
  ${_nvg_dir}/nvg_uri.c ${_nvg_dir}/nvg_table.c ${_nvg_dir}/nvg_resolve.c)
target_include_directories(fuzz_nvg_contact PRIVATE ${_nvg_dir})
