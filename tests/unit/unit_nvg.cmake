# Unit tests of the plain C logic of the nvg Kamailio module (no Kamailio
# dependency): the URI/token/CIDR helpers, the binding table (with malloc and
# counting locks in place of shared memory) and the home role's resolver.
# include()d from tests/CMakeLists.txt, which has found cmocka
# (PkgConfig::CMOCKA). Tests: unit.nvg_uri, unit.nvg_table, unit.nvg_resolve.
set(_nvg_dir ${CMAKE_CURRENT_LIST_DIR}/../../kamailio-modules/nvg)
set(_nvg_srcs_uri ${_nvg_dir}/nvg_uri.c)
set(_nvg_srcs_table ${_nvg_dir}/nvg_table.c ${_nvg_dir}/nvg_uri.c)
set(_nvg_srcs_resolve ${_nvg_dir}/nvg_resolve.c ${_nvg_dir}/nvg_uri.c)
foreach(_t uri table resolve)
  add_executable(test_nvg_${_t} ${CMAKE_CURRENT_LIST_DIR}/test_nvg_${_t}.c ${_nvg_srcs_${_t}})
  target_include_directories(test_nvg_${_t} PRIVATE ${_nvg_dir})
  target_compile_definitions(test_nvg_${_t} PRIVATE _GNU_SOURCE)
  target_link_libraries(test_nvg_${_t} PRIVATE PkgConfig::CMOCKA)
  add_test(NAME unit.nvg_${_t} COMMAND test_nvg_${_t})
  set_tests_properties(unit.nvg_${_t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()

# the handoff's plain C logic: coalescer, SDP rewriter, handoff list builder
# and status parser (libxml2), own HOTP credential (app_hotp's hotp.c,
# OpenSSL). Test: unit.nvg_handoff.
find_package(LibXml2 REQUIRED)
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
set(_app_hotp_dir ${CMAKE_CURRENT_LIST_DIR}/../../fd-extensions/app_hotp)
add_executable(test_nvg_handoff ${CMAKE_CURRENT_LIST_DIR}/test_nvg_handoff.c
  ${_nvg_dir}/nvg_coalesce.c ${_nvg_dir}/nvg_sdp.c ${_nvg_dir}/nvg_hlist.c
  ${_nvg_dir}/nvg_otp.c ${_app_hotp_dir}/hotp.c)
target_include_directories(test_nvg_handoff PRIVATE ${_nvg_dir} ${_app_hotp_dir})
target_compile_definitions(test_nvg_handoff PRIVATE _GNU_SOURCE)
target_link_libraries(test_nvg_handoff PRIVATE PkgConfig::CMOCKA LibXml2::LibXml2
  OpenSSL::Crypto)
add_test(NAME unit.nvg_handoff COMMAND test_nvg_handoff)
set_tests_properties(unit.nvg_handoff PROPERTIES LABELS unit TIMEOUT 60)
