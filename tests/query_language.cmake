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

galley_shared_data_test(query_language ${GALLEY_QL_PYTHON3} test_query_language.py 600)
