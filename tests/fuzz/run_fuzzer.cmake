# Runs a libFuzzer target for a bounded time on a fresh corpus copied from the
# seed folders (only .flow files), so a run never writes into the source tree.
file(REMOVE_RECURSE ${CORPUS})
file(MAKE_DIRECTORY ${CORPUS})
foreach(dir ${SEEDS})
  file(GLOB_RECURSE seeds ${dir}/*.flow)
  foreach(seed ${seeds})
    file(COPY ${seed} DESTINATION ${CORPUS})
  endforeach()
endforeach()
set(args -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -max_len=8192
         -print_final_stats=1 -artifact_prefix=${CORPUS}/../)
if(EXISTS ${DICT})
  list(APPEND args -dict=${DICT})
endif()
execute_process(COMMAND ${FUZZER} ${args} ${CORPUS} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzzer ${FUZZER} failed (exit ${rc}); the crashing input is in ${CORPUS}/..")
endif()
