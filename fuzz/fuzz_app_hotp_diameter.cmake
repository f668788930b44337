# libFuzzer harness over app_hotp's Diameter request handlers (UAR/MAR AVP
# decoding and validation) behind freeDiameter's own parser and dictionary
# checks; see fuzz_app_hotp_diameter.c. Links Debian's libfdcore/libfdproto
# (not instrumented) and compiles app_hotp's sources into the harness.
find_path(_fz_fd_inc freeDiameter/extension.h)
find_library(_fz_fdcore fdcore)
find_library(_fz_fdproto fdproto)
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
find_package(SQLite3 REQUIRED)
find_package(Threads REQUIRED)
if(_fz_fd_inc AND _fz_fdcore AND _fz_fdproto)
  set(_ah ${CMAKE_CURRENT_LIST_DIR}/../fd-extensions/app_hotp)
  senemo_fuzzer(fuzz_app_hotp_diameter ${CMAKE_CURRENT_LIST_DIR}/fuzz_app_hotp_diameter.c
    ${_ah}/app_hotp.c ${_ah}/app_hotp_sip.c ${_ah}/app_hotp_conf.c ${_ah}/hotp.c
    ${_ah}/hotp_pool.c ${_ah}/hotp_store.c ${_ah}/hotp_store_sqlite.c)
  target_include_directories(fuzz_app_hotp_diameter PRIVATE ${_ah} ${_fz_fd_inc})
  target_link_options(fuzz_app_hotp_diameter PRIVATE -Wl,--wrap=fd_msg_send)
  target_link_libraries(fuzz_app_hotp_diameter PRIVATE ${_fz_fdcore} ${_fz_fdproto}
    OpenSSL::Crypto SQLite::SQLite3 Threads::Threads)
endif()
