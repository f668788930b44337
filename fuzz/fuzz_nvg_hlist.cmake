# libFuzzer harness for the nvg module's handoff-list status parser and
# builder (plain C + libxml2, no Kamailio). Seeds: fuzz/corpus/nvg_hlist.
find_package(LibXml2 REQUIRED)
set(_nvg_dir ${CMAKE_CURRENT_LIST_DIR}/../kamailio-modules/nvg)
senemo_fuzzer(fuzz_nvg_hlist ${CMAKE_CURRENT_LIST_DIR}/fuzz_nvg_hlist.c ${_nvg_dir}/nvg_hlist.c)
target_include_directories(fuzz_nvg_hlist PRIVATE ${_nvg_dir})
target_link_libraries(fuzz_nvg_hlist PRIVATE LibXml2::LibXml2)
