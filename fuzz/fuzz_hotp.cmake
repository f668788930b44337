# libFuzzer harness over the app_hotp input parsers (OTP, AOR, hex/base32
# secrets).  Active only with SENEMO_FUZZ ON and clang.  Included by the fuzz
# project (fuzz/CMakeLists.txt globs fuzz_*.cmake and provides
# senemo_fuzzer()); also works include()d from another project, where it
# defines the target itself and a short ctest smoke run `fuzz.hotp_otp`.
# Binary: ${CMAKE_BINARY_DIR}/fuzz_hotp_otp.  Seeds (optional):
# fuzz/corpus/hotp_otp.
include_guard(GLOBAL)

if(SENEMO_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
  find_package(Threads REQUIRED)
  set(_hotp_dir ${CMAKE_CURRENT_LIST_DIR}/../fd-extensions/app_hotp)
  # hotp.c is compiled into the harness so that it gets coverage feedback
  set(_hotp_fuzz_src ${CMAKE_CURRENT_LIST_DIR}/fuzz_hotp_otp.c ${_hotp_dir}/hotp.c)
  if(COMMAND senemo_fuzzer)
    senemo_fuzzer(fuzz_hotp_otp ${_hotp_fuzz_src})
  else()
    add_executable(fuzz_hotp_otp ${_hotp_fuzz_src})
    set_target_properties(fuzz_hotp_otp PROPERTIES
      C_STANDARD 11
      C_STANDARD_REQUIRED ON
      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
    target_compile_definitions(fuzz_hotp_otp PRIVATE _GNU_SOURCE)
    target_compile_options(fuzz_hotp_otp PRIVATE -g -O1
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
    target_link_options(fuzz_hotp_otp PRIVATE -fsanitize=fuzzer,address,undefined)
    add_test(NAME fuzz.hotp_otp
             COMMAND fuzz_hotp_otp -runs=20000 -seed=1 -max_len=256)
    set_tests_properties(fuzz.hotp_otp PROPERTIES LABELS fuzz TIMEOUT 300)
  endif()
  target_compile_options(fuzz_hotp_otp PRIVATE -Wall -Wextra)
  target_include_directories(fuzz_hotp_otp PRIVATE ${_hotp_dir})
  target_link_libraries(fuzz_hotp_otp PRIVATE OpenSSL::Crypto Threads::Threads)
endif()
