# OpenCL tests beyond tests/unit/test_cl_tokenize.c (included by tests/CMakeLists.txt).

# The unit test reads kernel sources through the embedded table; nothing more
# to wire up for it.

# Kernel lint: the same source the host builds (tokenizer_rules.h, then the
# .cl file), checked by clang as OpenCL C 1.2.  clang does not define
# __OPENCL_VERSION__ by itself (PoCL and vendor compilers do), and the rules
# header selects its OpenCL branch on that macro, so it is passed here.
find_program(GALLEY_CLANG_CL NAMES clang-15 clang)
if(GALLEY_CLANG_CL)
  file(GLOB GALLEY_LINT_KERNELS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/*.cl)
  foreach(cl IN LISTS GALLEY_LINT_KERNELS)
    get_filename_component(name ${cl} NAME_WE)
    add_test(NAME lint_kernel_${name}
             COMMAND ${GALLEY_CLANG_CL} -x cl -cl-std=CL1.2
                     -fsyntax-only -Werror -Wall -Wextra
                     -include ${PROJECT_SOURCE_DIR}/kernels/tokenizer_rules.h ${cl})
  endforeach()
endif()

# `galley devices --help` prints its usage and exits 0.
add_test(NAME cli_devices_help COMMAND ${GALLEY_BIN} devices --help)
set_tests_properties(cli_devices_help PROPERTIES
  PASS_REGULAR_EXPRESSION "usage: galley devices" ENVIRONMENT "${GALLEY_TEST_ENV}")

# `galley devices --json` and `galley bench index --device all` on the bundled
# sample: every device builds the same index, and OpenCL runs report their
# copy and kernel times; and `galley bench postings --bounds` on it.
find_program(GALLEY_BENCH_PYTHON3 NAMES python3)
if(GALLEY_BENCH_PYTHON3)
  add_test(NAME cli_bench_index
           COMMAND ${GALLEY_BENCH_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_bench_cli.py
                   --galley ${GALLEY_BIN})
  set_tests_properties(cli_bench_index PROPERTIES ENVIRONMENT "${GALLEY_TEST_ENV}" TIMEOUT 600)
endif()

# The GPU design's copies into pinned memory and into heap memory write the
# reference path's tables (test_device_copies.sh; skipped without a device).
add_test(NAME device_copies
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/test_device_copies.sh ${GALLEY_BIN}
                 ${CMAKE_CURRENT_BINARY_DIR}/device_copies_work
                 ${PROJECT_SOURCE_DIR}/samples/news.jsonl)
set_tests_properties(device_copies PROPERTIES
  ENVIRONMENT "${GALLEY_TEST_ENV}" SKIP_RETURN_CODE 77 TIMEOUT 300)

# bench/tools/encode_bench runs the postings builder on the sample again and
# again and finds every run's output the same (it exits 1 when one differs).
add_test(NAME bench_encode_tool
         COMMAND $<TARGET_FILE:encode_bench> ${PROJECT_SOURCE_DIR}/samples/news.jsonl 3)
set_tests_properties(bench_encode_tool PROPERTIES
  PASS_REGULAR_EXPRESSION "builder, 3 runs: fastest [0-9.]+ ms.*output crc [0-9a-f]+")

# bench/tools/read_bench reads the sample with the JSON Lines reader and
# finds every run's documents the same (it exits 1 when one differs).
add_test(NAME bench_read_tool
         COMMAND $<TARGET_FILE:read_bench> ${PROJECT_SOURCE_DIR}/samples/news.jsonl 3 3)
set_tests_properties(bench_read_tool PROPERTIES
  PASS_REGULAR_EXPRESSION "reader, 3 runs: fastest [0-9.]+ ms.*documents crc [0-9a-f]+")
