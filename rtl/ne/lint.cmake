# SPDX-License-Identifier: MIT
# cmake -DTOOL=verilator -DFILES='a.sv|b.sv' -DTOPS='m1|m2' -P lint.cmake
# Lints each of TOPS with `verilator --lint-only -Wall`; fails on any warning.
string(REPLACE "|" ";" FILES "${FILES}")
string(REPLACE "|" ";" TOPS "${TOPS}")
set(failed "")
foreach(item IN LISTS TOPS)
  string(REPLACE "/" ";" args "${item}")
  list(POP_FRONT args top)
  set(top "${top}")
  execute_process(COMMAND ${TOOL} --lint-only -Wall --top-module ${top} ${args} ${FILES}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 AND "${err}" STREQUAL "")
    message(STATUS "lint ${item}: clean")
  else()
    message("lint ${item}: FAILED\n${out}${err}")
    list(APPEND failed ${item})
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "lint failed: ${failed}")
endif()
