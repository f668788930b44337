# Unit tests of the plain C part of the urilist Kamailio module (no Kamailio
# dependency): multipart/mixed splitting, the RFC 4826 resource-list parser
# with RFC 5364 copyControl and the SeNEMO handoff extension, its hardening
# (DOCTYPE/entities, limits), Require handling, SDP helpers and the answer
# documents (unit.urilist_parse, unit.urilist_sdp). include()d from
# tests/CMakeLists.txt, which has found cmocka (PkgConfig::CMOCKA).
set(_urilist_dir ${CMAKE_CURRENT_LIST_DIR}/../../kamailio-modules/urilist)
foreach(t urilist_parse urilist_sdp)
  add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c ${_urilist_dir}/urilist_parse.c)
  target_include_directories(test_${t} PRIVATE ${_urilist_dir})
  target_link_libraries(test_${t} PRIVATE PkgConfig::CMOCKA LibXml2::LibXml2)
  add_test(NAME unit.${t} COMMAND test_${t})
  set_tests_properties(unit.${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()

# The handoff-list contract between the NVG's builder/answer parser
# (kamailio-modules/nvg/nvg_hlist.c) and this parser/answer builder
# (unit.urilist_contract)
set(_nvg_hl_dir ${CMAKE_CURRENT_LIST_DIR}/../../kamailio-modules/nvg)
if(EXISTS ${_nvg_hl_dir}/nvg_hlist.c)
  add_executable(test_urilist_contract ${CMAKE_CURRENT_LIST_DIR}/test_urilist_contract.c
    ${_urilist_dir}/urilist_parse.c ${_nvg_hl_dir}/nvg_hlist.c)
  target_include_directories(test_urilist_contract PRIVATE ${_urilist_dir} ${_nvg_hl_dir})
  target_link_libraries(test_urilist_contract PRIVATE PkgConfig::CMOCKA LibXml2::LibXml2)
  add_test(NAME unit.urilist_contract COMMAND test_urilist_contract)
  set_tests_properties(unit.urilist_contract PROPERTIES LABELS unit TIMEOUT 60)
endif()
