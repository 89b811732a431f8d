# SPDX-License-Identifier: GPL-3.0-or-later
# Warnings, sanitizers and the per-ISA flags for SIMD kernel files.
add_compile_options(-Wall -Wextra)

if(ENABLE_SANITIZERS)
  set(DUALSAT_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                             -fno-sanitize-recover=undefined)
  add_compile_options(${DUALSAT_SANITIZE_FLAGS})
  add_link_options(-fsanitize=address,undefined)
  # Python is not built with ASan: the qa tests must preload the runtime into it.
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE DUALSAT_ASAN_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libubsan.so
                  OUTPUT_VARIABLE DUALSAT_UBSAN_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
  # Environment for tests that run the (uninstrumented) Python interpreter. CPython's own
  # allocations at exit are not ours to report, hence no leak detection there.
  set(DUALSAT_SANITIZER_TEST_ENV
      "LD_PRELOAD=${DUALSAT_ASAN_RUNTIME}:${DUALSAT_UBSAN_RUNTIME}"
      "ASAN_OPTIONS=detect_leaks=0"
      "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ under -fsanitize=address.
  add_compile_options(-Wno-maybe-uninitialized)
endif()

# SIMD kernels live in files named *_avx2.cc, *_sse41.cc, ... and only those files get
# the ISA flags: the rest of the binary stays baseline x86-64 and picks a kernel at run
# time by CPU feature (simd::select, lib/core/include/dualsat/core/simd.h, which also
# checks that these flags are on: DUALSAT_SIMD_AVX2 needs -mavx2 -mfma).
function(dualsat_set_isa_flags)
  if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    return()
  endif()
  foreach(src ${ARGN})
    if(src MATCHES "_avx2\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mbmi;-mbmi2")
    elseif(src MATCHES "_sse41\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-msse4.1;-mssse3")
    endif()
  endforeach()
endfunction()
