# freeDiameter (Debian's libfreediameter-dev has no pkg-config / CMake file).
find_path(FD_INCLUDE_DIR freeDiameter/extension.h)
find_library(FD_CORE_LIB fdcore)
find_library(FD_PROTO_LIB fdproto)
if(NOT FD_INCLUDE_DIR OR NOT FD_CORE_LIB OR NOT FD_PROTO_LIB)
  message(FATAL_ERROR "freeDiameter development files not found (libfreediameter-dev); run ./senemo setup")
endif()
set(FD_EXTENSIONS_DIR "${CMAKE_BINARY_DIR}/extensions")

#   senemo_fd_extension(<name> <sources>...) -> build/extensions/<name>.fdx
function(senemo_fd_extension name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES PREFIX "" SUFFIX ".fdx"
    LIBRARY_OUTPUT_DIRECTORY "${FD_EXTENSIONS_DIR}")
  target_include_directories(${name} PRIVATE "${FD_INCLUDE_DIR}")
  target_link_libraries(${name} PRIVATE ${FD_PROTO_LIB} ${FD_CORE_LIB})
endfunction()
