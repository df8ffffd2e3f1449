# SPDX-License-Identifier: MIT
# cmake -DIVERILOG=.. -DVVP=.. -DFILES='a.sv|b.sv' -DWORK=dir -DVVPFILE=x.vvp -DPLUSARGS=+x -P icarus.cmake
# Compiles the RTL and tests/rtl/ne_tb.sv with Icarus (-g2012) and runs it; passes when
# the run ends with "ne_tb: PASS".
string(REPLACE "|" ";" FILES "${FILES}")
execute_process(COMMAND ${IVERILOG} -g2012 -s ne_tb -o ${WORK}/${VVPFILE} ${FILES}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
# Icarus reports that it widens the sensitivity of always_comb blocks with constant
# part-selects ("sorry: constant selects ..."): harmless, not shown.
string(REGEX REPLACE "[^\n]*sorry: constant selects[^\n]*\n" "" err "${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "iverilog failed:\n${out}${err}")
endif()
execute_process(COMMAND ${VVP} -n ${WORK}/${VVPFILE} ${PLUSARGS}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "ne_tb: PASS")
  message(FATAL_ERROR "Icarus testbench failed (status ${rc})")
endif()
