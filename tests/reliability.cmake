# Reliability tests (tests/reliability/): SIGKILL and --resume, --append,
# one writer with concurrent readers, a full disk and map growth, flipped
# bytes in the index, hostile inputs and queries, compaction.  Included from
# tests/CMakeLists.txt (GALLEY_BIN, GALLEY_SHARED, GALLEY_TEST_ENV).  Each
# script exits 77 (skipped) with a printed reason when ../shared, zstd,
# mdb_dump or (for the disk part) mounting a tmpfs is not available.
# Randomised tests print their seed; set GALLEY_TEST_SEED to repeat one.
find_program(GALLEY_REL_PYTHON3 NAMES python3)
if(NOT GALLEY_REL_PYTHON3)
  message(STATUS "python3 not found: reliability tests not registered")
  return()
endif()

set(GALLEY_REL_DIR ${CMAKE_CURRENT_SOURCE_DIR}/reliability)
set(GALLEY_REL_TESTS
  "kill_resume|test_kill_resume.py|300"
  "append_writers|test_append_writers.py|300"
  "disk_map|test_disk_map.py|300"
  "corruption|test_corruption.py|300"
  "hostile|test_hostile.py|300"
  "compact|test_compact.py|300"
  "threads|test_threads.py|300"
  "optimize|test_optimize.py|300"
  "merge|test_merge.py|300"
  "mpi|test_mpi.py|300"
  "replace|test_replace.py|300"
  "purge|test_purge.py|300"
  "shards|test_shards.py|300"
  "page_cache|test_page_cache.py|300")
foreach(entry IN LISTS GALLEY_REL_TESTS)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 script)
  list(GET parts 2 timeout)
  add_test(NAME reliability_${name}
           COMMAND ${GALLEY_REL_PYTHON3} ${GALLEY_REL_DIR}/${script}
                   --galley ${GALLEY_BIN} --shared ${GALLEY_SHARED}
                   --work ${CMAKE_CURRENT_BINARY_DIR}/reliability_work/${name})
  set_tests_properties(reliability_${name} PROPERTIES
    ENVIRONMENT "${GALLEY_TEST_ENV}" SKIP_RETURN_CODE 77 TIMEOUT ${timeout})
endforeach()
# the disk test mounts and unmounts tmpfs file systems under its work dir
set_tests_properties(reliability_disk_map PROPERTIES RUN_SERIAL TRUE)
