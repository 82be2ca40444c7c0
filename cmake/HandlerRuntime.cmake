# What `flowc build` needs, wired into the top-level build:
#  - flowc_driver links libzip (the Lambda zip) and OpenSSL's libcrypto
#    (SHA-256 for the build cache), and sees a generated handler_config.h;
#  - simdjson's amalgamation, fetched from Debian's source package by
#    scripts/fetch-simdjson.sh at configure time;
#  - libflowrt.a for each handler architecture, built by a separate CMake
#    project (cmake/handler-runtime) so the tree's sanitizer and warning flags
#    never reach code that ships: <build>/handler-runtime/<arch>/libflowrt.a.
#
# Handler flags, one list for libflowrt.a and for the generated TU (flowc
# bakes them in through handler_config.h):
#  -O2 -DNDEBUG: release code; -ffunction-sections/-fdata-sections with
#   --gc-sections at link keep the static ELF small.
#  Exceptions stay ON (no -fno-exceptions): the static libstdc++.a is built
#   with them whatever we choose, so the unwinder is linked anyway; with them a
#   std::bad_alloc or a throwing library call in one invocation can be caught at
#   the invocation boundary and reported as a Function error instead of aborting
#   the process; zero-cost EH costs nothing on the record path; and
#   SIMDJSON_EXCEPTIONS must be the same in every TU, so it is left at its
#   default rather than made to depend on a choice the runtime's author owns.
#  x86_64: -march=haswell (AVX2, BMI2, FMA), never -march=native. Lambda
#   documents AVX2 as the widest extension its x86_64 CPUs offer, so haswell is
#   the most we may assume, and we need it: simdjson 3.0.1 chooses its
#   On-Demand kernel when it is compiled (only the DOM parser dispatches at run
#   time), and with baseline x86-64 a static handler was measured to run the
#   "fallback" kernel. The AVX-512 (icelake) kernel stays compiled out.
#  arm64: --target=aarch64-linux-gnu with Debian's cross libc/libstdc++,
#   baseline armv8-a (NEON is part of it), which every Graviton runs.

option(FLOWC_HANDLER_RUNTIME "Build libflowrt.a for handlers (x86_64, arm64) so flowc build works" ON)
set(FLOWC_SIMDJSON_DIR "${PROJECT_SOURCE_DIR}/build/third_party/simdjson" CACHE PATH
    "where scripts/fetch-simdjson.sh puts simdjson's amalgamation (outside git)")
set(FLOWC_HANDLER_ARCHS "x86_64;arm64" CACHE STRING "handler architectures to build libflowrt.a for")
# runtime/ by default; another folder with include/ and src/ lets the handler
# build be tried apart from runtime work in progress.
set(FLOWC_RUNTIME_SOURCE_DIR "${PROJECT_SOURCE_DIR}/runtime" CACHE PATH "the handler runtime's sources")

# Not find_package(libzip): Debian's libzip config names the zipcmp/zipmerge
# tools as imported targets and fails when those packages are absent.
find_path(FLOWC_LIBZIP_INCLUDE_DIR zip.h REQUIRED)
find_library(FLOWC_LIBZIP_LIBRARY zip REQUIRED)
add_library(flowc_libzip INTERFACE)
target_include_directories(flowc_libzip INTERFACE ${FLOWC_LIBZIP_INCLUDE_DIR})
target_link_libraries(flowc_libzip INTERFACE ${FLOWC_LIBZIP_LIBRARY})
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
target_link_libraries(flowc_driver PUBLIC flowc_libzip OpenSSL::Crypto)

# The handler toolchain is LLVM 14 whatever compiles flowc itself.
find_program(FLOWC_HANDLER_CXX NAMES clang++-14 clang++ REQUIRED)
find_program(FLOWC_HANDLER_LLD NAMES ld.lld-14 ld.lld REQUIRED)
find_program(FLOWC_HANDLER_STRIP NAMES llvm-strip-14 llvm-strip REQUIRED)
find_program(FLOWC_HANDLER_AR NAMES llvm-ar-14 llvm-ar REQUIRED)
find_program(FLOWC_HANDLER_RANLIB NAMES llvm-ranlib-14 llvm-ranlib REQUIRED)

set(FLOWC_HANDLER_FLAGS_COMMON -std=c++20 -O2 -DNDEBUG -ffunction-sections -fdata-sections)
set(FLOWC_HANDLER_FLAGS_x86_64 --target=x86_64-linux-gnu -march=haswell -DSIMDJSON_IMPLEMENTATION_ICELAKE=0)
set(FLOWC_HANDLER_FLAGS_arm64 --target=aarch64-linux-gnu -march=armv8-a)
set(FLOWC_HANDLER_LINK_FLAGS -static -fuse-ld=lld --ld-path=${FLOWC_HANDLER_LLD} -Wl,--gc-sections)

set(FLOWC_RUNTIME_INCLUDE_DIR "${FLOWC_RUNTIME_SOURCE_DIR}/include")
set(FLOWC_HANDLER_RUNTIME_DIR "${CMAKE_BINARY_DIR}/handler-runtime")

if(FLOWC_HANDLER_RUNTIME)
  execute_process(
    COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/fetch-simdjson.sh ${FLOWC_SIMDJSON_DIR}
    RESULT_VARIABLE fetch_result OUTPUT_VARIABLE fetch_output ERROR_VARIABLE fetch_output)
  if(NOT fetch_result EQUAL 0)
    message(FATAL_ERROR "could not fetch simdjson's amalgamation:\n${fetch_output}\n"
            "run scripts/install-deps.sh as root, or configure with -DFLOWC_HANDLER_RUNTIME=OFF")
  endif()

  # An arm64 handler needs Debian's cross libc and libstdc++.
  if("arm64" IN_LIST FLOWC_HANDLER_ARCHS)
    file(GLOB cross_libstdcxx /usr/lib/gcc-cross/aarch64-linux-gnu/*/libstdc++.a)
    if(NOT cross_libstdcxx OR NOT EXISTS /usr/aarch64-linux-gnu/lib/libc.a)
      message(WARNING "arm64 handlers disabled: install libstdc++-12-dev-arm64-cross and "
              "libc6-dev-arm64-cross (scripts/install-deps.sh)")
      list(REMOVE_ITEM FLOWC_HANDLER_ARCHS arm64)
    endif()
  endif()

  include(ExternalProject)
  set(flowrt_targets)
  foreach(arch IN LISTS FLOWC_HANDLER_ARCHS)
    if(NOT DEFINED FLOWC_HANDLER_FLAGS_${arch})
      message(FATAL_ERROR "unknown handler architecture '${arch}' (expected x86_64 or arm64)")
    endif()
    list(JOIN FLOWC_HANDLER_FLAGS_COMMON " " common_flags)
    list(JOIN FLOWC_HANDLER_FLAGS_${arch} " " arch_flags)
    set(cross_args)
    if(arch STREQUAL "arm64")
      set(cross_args -DCMAKE_SYSTEM_NAME:STRING=Linux -DCMAKE_SYSTEM_PROCESSOR:STRING=aarch64)
    endif()
    set(out ${FLOWC_HANDLER_RUNTIME_DIR}/${arch})
    ExternalProject_Add(flowrt_${arch}
      SOURCE_DIR ${PROJECT_SOURCE_DIR}/cmake/handler-runtime
      BINARY_DIR ${FLOWC_HANDLER_RUNTIME_DIR}/${arch}-build
      STAMP_DIR ${FLOWC_HANDLER_RUNTIME_DIR}/${arch}-stamp
      TMP_DIR ${FLOWC_HANDLER_RUNTIME_DIR}/${arch}-tmp
      CMAKE_CACHE_ARGS
        -DCMAKE_BUILD_TYPE:STRING=Release
        -DCMAKE_CXX_COMPILER:FILEPATH=${FLOWC_HANDLER_CXX}
        "-DCMAKE_CXX_FLAGS:STRING=${common_flags} ${arch_flags}"
        -DCMAKE_CXX_FLAGS_RELEASE:STRING=
        -DCMAKE_AR:FILEPATH=${FLOWC_HANDLER_AR}
        -DCMAKE_RANLIB:FILEPATH=${FLOWC_HANDLER_RANLIB}
        -DFLOWRT_SOURCE_DIR:PATH=${FLOWC_RUNTIME_SOURCE_DIR}
        -DFLOWC_SIMDJSON_DIR:PATH=${FLOWC_SIMDJSON_DIR}
        -DFLOWRT_OUTPUT_DIR:PATH=${out}
        ${cross_args}
      INSTALL_COMMAND ""
      # The inner build decides what is out of date (runtime/src changes).
      BUILD_ALWAYS ON
      BUILD_BYPRODUCTS ${out}/libflowrt.a
      USES_TERMINAL_BUILD ON)
    list(APPEND flowrt_targets flowrt_${arch})
  endforeach()
  add_custom_target(flowc_handler_runtime DEPENDS ${flowrt_targets})
  # flowc build needs them, and the toolchain tests link real handlers.
  add_dependencies(flowc flowc_handler_runtime)
  if(TARGET flowc_unit_tests)
    add_dependencies(flowc_unit_tests flowc_handler_runtime)
  endif()
  set(FLOWC_HANDLER_RUNTIME_CXX true)
else()
  set(FLOWC_HANDLER_ARCHS "")
  set(FLOWC_HANDLER_RUNTIME_CXX false)
endif()

# handler_config.h: C++ string lists from the CMake lists above.
function(flowc_cxx_strings out_var)
  set(items)
  foreach(item IN LISTS ARGN)
    list(APPEND items "\"${item}\"")
  endforeach()
  list(JOIN items ", " joined)
  set(${out_var} "${joined}" PARENT_SCOPE)
endfunction()
flowc_cxx_strings(FLOWC_HANDLER_FLAGS_COMMON_CXX ${FLOWC_HANDLER_FLAGS_COMMON})
flowc_cxx_strings(FLOWC_HANDLER_FLAGS_x86_64_CXX ${FLOWC_HANDLER_FLAGS_x86_64})
flowc_cxx_strings(FLOWC_HANDLER_FLAGS_arm64_CXX ${FLOWC_HANDLER_FLAGS_arm64})
flowc_cxx_strings(FLOWC_HANDLER_LINK_FLAGS_CXX ${FLOWC_HANDLER_LINK_FLAGS})
list(JOIN FLOWC_HANDLER_ARCHS " " FLOWC_HANDLER_ARCHS_STR)
configure_file(${CMAKE_CURRENT_LIST_DIR}/handler_config.h.in ${CMAKE_BINARY_DIR}/generated/driver/handler_config.h @ONLY)
target_include_directories(flowc_driver PRIVATE ${CMAKE_BINARY_DIR}/generated)
