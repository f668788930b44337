# Build Kamailio modules out of tree against the source of the installed
# Debian version, with the exact compile defines of Debian's binary (so the
# loader's module_version / module_flags check and the shm/pkg layouts match).
#
#   senemo_kamailio_module(<name> <sources>...)
#     -> build/modules/<name>.so, loadable with loadmodule "<path>/<name>.so"

execute_process(COMMAND kamailio -v OUTPUT_VARIABLE _kv ERROR_QUIET RESULT_VARIABLE _krc)
string(REGEX MATCH "kamailio ([0-9]+\\.[0-9]+\\.[0-9]+)" _m "${_kv}")
if(NOT _krc EQUAL 0 OR NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "kamailio is not installed (no 'kamailio -v'); run ./senemo setup")
endif()
set(KAMAILIO_INSTALLED_VERSION "${CMAKE_MATCH_1}")

set(KAMAILIO_SRC "${CMAKE_BINARY_DIR}/src/kamailio-${KAMAILIO_INSTALLED_VERSION}"
    CACHE PATH "Kamailio source tree of the installed version (apt-get source kamailio)")
if(NOT EXISTS "${KAMAILIO_SRC}/src/Makefile.defs")
  message(FATAL_ERROR "Kamailio source missing: ${KAMAILIO_SRC} has no src/Makefile.defs. "
                      "Installed kamailio is ${KAMAILIO_INSTALLED_VERSION}; run ./senemo setup "
                      "(apt-get source kamailio=<installed version>) or pass -DKAMAILIO_SRC=...")
endif()

# version of the source tree, checked before anything compiles
file(STRINGS "${KAMAILIO_SRC}/src/Makefile.defs" _mk REGEX "^(VERSION|PATCHLEVEL|SUBLEVEL)[ \t]*=")
foreach(_l IN LISTS _mk)
  string(REGEX REPLACE "^([A-Z]+)[ \t]*=[ \t]*([0-9]+).*" "\\1;\\2" _kvpair "${_l}")
  list(GET _kvpair 0 _k)
  list(GET _kvpair 1 _v)
  set(_src_${_k} ${_v})
endforeach()
set(KAMAILIO_SRC_VERSION "${_src_VERSION}.${_src_PATCHLEVEL}.${_src_SUBLEVEL}")
if(NOT KAMAILIO_SRC_VERSION STREQUAL KAMAILIO_INSTALLED_VERSION)
  message(FATAL_ERROR "Kamailio source version ${KAMAILIO_SRC_VERSION} (${KAMAILIO_SRC}) does not "
                      "match the installed kamailio ${KAMAILIO_INSTALLED_VERSION}; modules built "
                      "against it would be refused by the loader. Run ./senemo setup.")
endif()

set(KAMAILIO_DEFS_FILE "${CMAKE_BINARY_DIR}/kamailio-defs.cmake")
execute_process(
  COMMAND "${CMAKE_SOURCE_DIR}/scripts/kamailio-defs.sh" "${KAMAILIO_SRC}" "${KAMAILIO_DEFS_FILE}"
  RESULT_VARIABLE _drc)
if(NOT _drc EQUAL 0)
  message(FATAL_ERROR "could not derive Kamailio's compile defines from ${KAMAILIO_SRC}")
endif()
include("${KAMAILIO_DEFS_FILE}")
message(STATUS "Kamailio ${KAMAILIO_VERSION}: source ${KAMAILIO_SRC}")

set(SENEMO_MODULES_DIR "${CMAKE_BINARY_DIR}/modules")

function(senemo_kamailio_module name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY "${SENEMO_MODULES_DIR}")
  target_compile_definitions(${name} PRIVATE ${KAMAILIO_C_DEFS} "MOD_NAME=\"${name}\"")
  separate_arguments(_kflags UNIX_COMMAND "${KAMAILIO_C_FLAGS}")
  target_compile_options(${name} PRIVATE ${_kflags})
  target_include_directories(${name} SYSTEM PRIVATE "${KAMAILIO_SRC}/src")
  target_link_options(${name} PRIVATE -pthread)
endfunction()
