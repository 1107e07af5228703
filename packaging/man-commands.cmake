# Writes a help2man include file with one section per `segllm` subcommand: the output of
# `segllm COMMAND --help` for each command that `segllm --help` lists under "Commands:".
# Run at build time by manpages.cmake:
#   cmake -DSEGLLM=<path of segllm> -DOUT=<include file> -P man-commands.cmake
if(NOT SEGLLM OR NOT OUT)
    message(FATAL_ERROR "man-commands.cmake: pass -DSEGLLM=<program> -DOUT=<file>")
endif()

execute_process(COMMAND ${SEGLLM} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "man-commands.cmake: `${SEGLLM} --help` failed (${rc})")
endif()

# Command names: the first word of the indented lines after "Commands:".
string(REPLACE "\n" ";" lines "${help}")
set(commands)
set(in_commands OFF)
foreach(line IN LISTS lines)
    if(line STREQUAL "Commands:")
        set(in_commands ON)
    elseif(in_commands)
        if(line MATCHES "^  ([a-z][a-z0-9-]*)  ")
            list(APPEND commands ${CMAKE_MATCH_1})
        else()
            break()
        endif()
    endif()
endforeach()

set(text "[COMMANDS]\nEach command has its own \\fB\\-\\-help\\fR; this is its text.\n")
foreach(command IN LISTS commands)
    execute_process(COMMAND ${SEGLLM} ${command} --help OUTPUT_VARIABLE command_help
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "man-commands.cmake: `${SEGLLM} ${command} --help` failed (${rc})")
    endif()
    # roff: a backslash is written \e, a minus (options) \-; a line starting with . or ' is
    # protected with \&.
    string(REPLACE "\\" "\\e" command_help "${command_help}")
    string(REPLACE "-" "\\-" command_help "${command_help}")
    string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" command_help "${command_help}")
    string(APPEND text ".SS \"segllm ${command}\"\n.nf\n${command_help}.fi\n")
endforeach()
file(WRITE ${OUT} "${text}")
