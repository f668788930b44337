# Unit tests of the plain C parts of the ovsense Kamailio module (no
# Kamailio dependency): the RFC 7339 Via-parameter / Retry-After parser
# (unit.ovsense_oc) and the load estimator with both control laws on
# synthetic UDP and TCP traces (unit.ovsense_est). include()d from
# tests/CMakeLists.txt, which has found cmocka (PkgConfig::CMOCKA).
set(_ovsense_dir ${CMAKE_CURRENT_LIST_DIR}/../../kamailio-modules/ovsense)
set(_ovsense_src ${_ovsense_dir}/ovs_oc.c ${_ovsense_dir}/ovs_est.c ${_ovsense_dir}/ovs_ctl.c)
foreach(t ovsense_oc ovsense_est)
  add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c ${_ovsense_src})
  target_include_directories(test_${t} PRIVATE ${_ovsense_dir})
  target_link_libraries(test_${t} PRIVATE PkgConfig::CMOCKA)
  add_test(NAME unit.${t} COMMAND test_${t})
  set_tests_properties(unit.${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()
