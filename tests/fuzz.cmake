# libFuzzer targets (tests/fuzz/), built only with -DGALLEY_FUZZ=ON and clang:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DGALLEY_FUZZ=ON
# The libraries are then compiled with coverage instrumentation and
# AddressSanitizer + UndefinedBehaviorSanitizer, and each target gets a ctest
# smoke test over its seed corpus (tests/fuzz/corpus/<target>/).
# tests/fuzz/run_smoke.sh configures, builds and runs every target for a
# while.  Included from tests/CMakeLists.txt.
option(GALLEY_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)
if(NOT GALLEY_FUZZ)
  return()
endif()
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "GALLEY_FUZZ needs clang: configure with -DCMAKE_C_COMPILER=clang")
endif()

set(GALLEY_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
set(GALLEY_FUZZ_SAN -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
foreach(lib galley_common galley_indexer galley_query)
  target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link ${GALLEY_FUZZ_SAN})
  target_link_options(${lib} INTERFACE -fsanitize=address,undefined)
endforeach()

# target name → source and extra definitions
set(GALLEY_FUZZ_TARGETS fuzz_jsonl fuzz_trec fuzz_text fuzz_warc fuzz_istream fuzz_query fuzz_postings
    fuzz_doc_block fuzz_hash_block fuzz_chunk_block fuzz_entity_records fuzz_text_block)
set(fuzz_jsonl_SRC fuzz_reader.c)
set(fuzz_jsonl_DEF FUZZ_FORMAT=GAL_FORMAT_JSONL)
set(fuzz_trec_SRC fuzz_reader.c)
set(fuzz_trec_DEF FUZZ_FORMAT=GAL_FORMAT_TREC)
set(fuzz_text_SRC fuzz_reader.c)
set(fuzz_text_DEF FUZZ_FORMAT=GAL_FORMAT_TEXT)
set(fuzz_warc_SRC fuzz_reader.c)
set(fuzz_warc_DEF FUZZ_FORMAT=GAL_FORMAT_WARC)
set(fuzz_istream_SRC fuzz_istream.c)
set(fuzz_query_SRC fuzz_query.c)
set(fuzz_postings_SRC fuzz_postings.c)
set(fuzz_doc_block_SRC fuzz_doc_block.c)
set(fuzz_hash_block_SRC fuzz_hash_block.c)
set(fuzz_chunk_block_SRC fuzz_chunk_block.c)
set(fuzz_entity_records_SRC fuzz_entity_records.c)
set(fuzz_text_block_SRC fuzz_text_block.c)

foreach(t IN LISTS GALLEY_FUZZ_TARGETS)
  add_executable(${t} ${GALLEY_FUZZ_DIR}/${${t}_SRC})
  target_compile_definitions(${t} PRIVATE _GNU_SOURCE ${${t}_DEF})
  target_compile_options(${t} PRIVATE -fsanitize=fuzzer ${GALLEY_FUZZ_SAN})
  target_link_options(${t} PRIVATE -fsanitize=fuzzer ${GALLEY_FUZZ_SAN})
  target_link_libraries(${t} PRIVATE galley_indexer galley_query)
  # smoke: the seed corpus plus a few thousand mutations; new inputs go to
  # a scratch directory in the build tree, never into the repository
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz_work/${t})
  file(MAKE_DIRECTORY ${work}/corpus)
  set(dict_args)
  if(EXISTS ${GALLEY_FUZZ_DIR}/${t}.dict)
    set(dict_args -dict=${GALLEY_FUZZ_DIR}/${t}.dict)
  endif()
  add_test(NAME ${t}_smoke
           COMMAND ${t} -runs=3000 -artifact_prefix=${work}/ -max_len=65536 -rss_limit_mb=2048 -timeout=20 ${dict_args}
                   ${work}/corpus ${GALLEY_FUZZ_DIR}/corpus/${t})
  set_tests_properties(${t}_smoke PROPERTIES TIMEOUT 300 ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1")
endforeach()
