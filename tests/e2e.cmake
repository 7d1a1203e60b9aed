# End-to-end tests of the galley binary against a brute-force oracle
# (tests/oracle.py, written from DESIGN.md's tokenizer rules), and against the
# facts that ../shared/tools/gen_news.py plants (test_planted_facts.py).
# Included from tests/CMakeLists.txt, which defines GALLEY_BIN, GALLEY_SHARED
# and GALLEY_TEST_ENV.  The scripts need only Python 3 (stdlib) plus the zstd and
# gzip commands, and mdb_dump (lmdb-utils) for test_cli_input; they exit 77
# (ctest: skipped) with a printed reason when something they need is missing.
find_program(GALLEY_PYTHON3 NAMES python3)
if(NOT GALLEY_PYTHON3)
  message(STATUS "python3 not found: end-to-end tests (e2e.cmake) not registered")
  return()
endif()

add_test(NAME oracle_selftest
         COMMAND ${GALLEY_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/oracle.py --selftest)

add_test(NAME cli_input
         COMMAND ${GALLEY_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_input.py
                 --galley ${GALLEY_BIN} --work ${CMAKE_CURRENT_BINARY_DIR}/cli_input_work)
set_tests_properties(cli_input PROPERTIES
  ENVIRONMENT "${GALLEY_TEST_ENV}" SKIP_RETURN_CODE 77 TIMEOUT 600)

add_test(NAME id_lines
         COMMAND ${GALLEY_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_id_lines.py
                 --galley ${GALLEY_BIN} --work ${CMAKE_CURRENT_BINARY_DIR}/id_lines_work)
set_tests_properties(id_lines PROPERTIES ENVIRONMENT "${GALLEY_TEST_ENV}" TIMEOUT 300)

galley_shared_data_test(corpus_queries ${GALLEY_PYTHON3} test_corpus_queries.py 900)
galley_shared_data_test(planted_facts ${GALLEY_PYTHON3} test_planted_facts.py 600)
