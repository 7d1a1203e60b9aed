# The whole query language of `galley query` (OR, NOT/-, grouping, NEAR,
# prefix*, title:, date:) against a brute-force oracle on every shared corpus:
# tests/oracle_query.py (parser + evaluator, built on tests/oracle.py's
# tokenizer) and tests/test_query_language.py.  Included from
# tests/CMakeLists.txt, which defines GALLEY_BIN, GALLEY_SHARED and
# GALLEY_TEST_ENV.  Needs Python 3 (stdlib) and the zstd command; the test
# prints a reason and exits 77 (ctest: skipped) when ../shared/corpora or zstd
# is missing.
find_program(GALLEY_QL_PYTHON3 NAMES python3)
if(NOT GALLEY_QL_PYTHON3)
  message(STATUS "python3 not found: query-language tests (query_language.cmake) not registered")
  return()
endif()

add_test(NAME oracle_query_selftest
         COMMAND ${GALLEY_QL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/oracle_query.py --selftest)

add_test(NAME query_language
         COMMAND ${GALLEY_QL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_query_language.py
                 --galley ${GALLEY_BIN} --shared ${GALLEY_SHARED}
                 --work ${CMAKE_CURRENT_BINARY_DIR}/query_language_work)
set_tests_properties(query_language PROPERTIES
  ENVIRONMENT "${GALLEY_TEST_ENV}" SKIP_RETURN_CODE 77 TIMEOUT 600)
