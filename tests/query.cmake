# Tests of query/ and `galley query|show|stats`.  Included from
# tests/CMakeLists.txt (GALLEY_BIN, GALLEY_SHARED, GALLEY_TEST_ENV).
#
# test_query_parse and test_query_eval are registered by the unit-test glob
# (test_query_eval builds its Reuters index in tests/query_eval_work); here
# the golden CLI tests (tests/query_cli/run.py) compare output and exit codes
# with expected files.
set_tests_properties(test_query_eval PROPERTIES TIMEOUT 600)

find_program(GALLEY_QUERY_PYTHON3 NAMES python3)
if(GALLEY_QUERY_PYTHON3)
  add_test(NAME query_cli
           COMMAND ${GALLEY_QUERY_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/query_cli/run.py
                   --galley ${GALLEY_BIN} --work ${CMAKE_CURRENT_BINARY_DIR}/query_cli_work)
  set_tests_properties(query_cli PROPERTIES
    ENVIRONMENT "${GALLEY_TEST_ENV}" SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

# several indexes searched as one: the same hits, scores and snippets as one
# index of all their documents (a corpus of its own, no shared data)
if(GALLEY_QUERY_PYTHON3)
  add_test(NAME query_multi_index
           COMMAND ${GALLEY_QUERY_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_multi_index.py
                   --galley ${GALLEY_BIN} --work ${CMAKE_CURRENT_BINARY_DIR}/multi_index_work)
  set_tests_properties(query_multi_index PROPERTIES ENVIRONMENT "${GALLEY_TEST_ENV}" TIMEOUT 300)
endif()

# what one short query may cost: prefixes, in phrases and bare (its own
# small corpus)
if(GALLEY_QUERY_PYTHON3)
  add_test(NAME query_limits
           COMMAND ${GALLEY_QUERY_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_query_limits.py
                   --galley ${GALLEY_BIN} --work ${CMAKE_CURRENT_BINARY_DIR}/query_limits_work)
  set_tests_properties(query_limits PROPERTIES ENVIRONMENT "${GALLEY_TEST_ENV}" TIMEOUT 300)
endif()
