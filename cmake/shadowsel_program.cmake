# SPDX-License-Identifier: MIT
# shadowsel_add_program(TARGET SOURCE...): a C program written for Linux, built against
# the POSIX layer and linked with its runner (docs/posix.md, "Building and running a
# program"). Before the link, scripts/posix_audit.py checks every symbol the program's
# own objects use: a layer entry point or a host function of driver/posix_host_allowed.txt,
# or the build fails naming the source and the symbol. A library the program links is
# not audited (docs/posix.md, "How the layer keeps programs off the host").
function(shadowsel_add_program target)
  cmake_path(GET CMAKE_CURRENT_FUNCTION_LIST_DIR PARENT_PATH root)
  set(allowed ${root}/driver/posix_host_allowed.txt)
  set(audit ${root}/scripts/posix_audit.py)
  set(header ${root}/driver/include/shadowsel/posix/posix.h)
  add_executable(${target} ${ARGN})
  # -fexceptions: exit() and signal deaths unwind the program's C frames.
  target_compile_options(${target} PRIVATE -include shadowsel/posix/posix.h -fexceptions)
  target_include_directories(${target} PRIVATE ${root}/driver/include)
  target_link_libraries(${target} PRIVATE shadowsel_program)
  add_custom_command(TARGET ${target} PRE_LINK
    COMMAND ${PYTHON3} ${audit} --allowed ${allowed} --layer $<TARGET_FILE:shadowsel_driver> --header ${header}
            --source-dir ${CMAKE_CURRENT_SOURCE_DIR} $<TARGET_OBJECTS:${target}>
    COMMAND_EXPAND_LISTS VERBATIM)
  # A new allow-list or audit links (and so audits) every program again.
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${allowed} ${audit} ${header})
endfunction()
