# Sanitizer and fuzzing builds (docs/hardening.md). Included before any
# target is defined, so the flags reach every library, the binary, the unit
# tests and the fuzz targets alike: an instrumented caller with an
# uninstrumented callee misses errors (and, for TSan, reports false races).

set(TESSERA_SANITIZE "" CACHE STRING "Sanitizers to build with, as -fsanitize= takes them: address,undefined or thread")
option(TESSERA_FUZZ "Build the libFuzzer targets in fuzz/ (clang only; implies address,undefined)" OFF)

if(TESSERA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TESSERA_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  if(NOT TESSERA_SANITIZE)
    set(TESSERA_SANITIZE "address,undefined")
  endif()
  # Coverage instrumentation everywhere; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(TESSERA_SANITIZE)
  if(TESSERA_SANITIZE MATCHES "thread" AND TESSERA_SANITIZE MATCHES "address")
    message(FATAL_ERROR "TESSERA_SANITIZE: thread cannot be combined with address")
  endif()
  add_compile_options(-fsanitize=${TESSERA_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${TESSERA_SANITIZE})
  if(TESSERA_SANITIZE MATCHES "undefined")
    # A UB report must fail the run, not scroll past in a log.
    add_compile_options(-fno-sanitize-recover=undefined)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
      # clang 14's -fsanitize=function puts prologue data in front of C++20
      # coroutine parts that the assembler cannot place ("Cannot represent a
      # difference across sections" in server.cpp and fetch.cpp). The check
      # only catches calls through a mistyped function pointer.
      add_compile_options(-fno-sanitize=function)
    endif()
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC's flow analysis misreads the sanitizers' instrumentation (dozens of
    # false -Wmaybe-uninitialized in Beast and Boost.Optional); the normal
    # build keeps the warning.
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  if(NOT TESSERA_FUZZ)
    # -O1, as the sanitizers' authors recommend for tests: readable stacks,
    # reasonable speed, and GCC compiles the Beast unit under UBSan in half
    # the time. Fuzzing keeps -O2 for executions per second.
    string(REPLACE "-O2" "-O1" CMAKE_CXX_FLAGS_RELWITHDEBINFO "${CMAKE_CXX_FLAGS_RELWITHDEBINFO}")
  endif()
  message(STATUS "Sanitizers: ${TESSERA_SANITIZE}")
endif()
