# libFuzzer harness for the URI-list body parser of the urilist Kamailio
# module (multipart/mixed, RFC 4826 resource lists with libxml2, RFC 5364
# copyControl, the SeNEMO handoff extension, SDP helpers, answer bodies).
# Plain C, no Kamailio dependency. Seeds: fuzz/corpus/urilist.
find_package(LibXml2 REQUIRED)
set(_urilist_dir ${CMAKE_CURRENT_LIST_DIR}/../kamailio-modules/urilist)
senemo_fuzzer(fuzz_urilist ${CMAKE_CURRENT_LIST_DIR}/fuzz_urilist.c ${_urilist_dir}/urilist_parse.c)
target_include_directories(fuzz_urilist PRIVATE ${_urilist_dir})
target_link_libraries(fuzz_urilist PRIVATE LibXml2::LibXml2)
