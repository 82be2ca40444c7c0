# cmake -DFLOWC=<flowc> -DIN=<file.flow> -DOUT=<file.cpp> -P emit_cpp.cmake
# Writes `flowc emit-cpp IN` to OUT (a build step must not go through a shell
# to redirect stdout).
execute_process(COMMAND ${FLOWC} emit-cpp ${IN} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE result ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "flowc emit-cpp ${IN} failed (${result}):\n${err}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
