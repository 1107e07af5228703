# Man pages of segllm and segllm-studio, generated at build time by help2man from the programs'
# --help output (the version and the page's title come from the project version and the
# program's file name: segllm-studio's --version says "SegLLM Studio"), gzipped (as Debian installs them) and installed to share/man/man1.
# Without help2man (Debian package help2man) the pages are left out with a message.
set(SEGLLM_MAN_DIR ${PROJECT_BINARY_DIR}/man)
set(SEGLLM_HAVE_MAN_PAGES OFF)

if(NOT SEGLLM_HELP2MAN OR NOT SEGLLM_GZIP)
    message(STATUS "help2man or gzip not found: the man pages are not generated "
                   "(bash packaging/install-deps.sh installs help2man)")
    return()
endif()
set(SEGLLM_HAVE_MAN_PAGES ON)

# segllm_man_page(TARGET NAME [INCLUDE_COMMANDS]) -> ${SEGLLM_MAN_DIR}/<target>.1.gz, built with
# `all`. INCLUDE_COMMANDS adds a COMMANDS section with each subcommand's --help
# (man-commands.cmake).
function(segllm_man_page target name)
    set(page ${SEGLLM_MAN_DIR}/${target}.1)
    set(include_args)
    set(include_commands)
    if("INCLUDE_COMMANDS" IN_LIST ARGN)
        set(include_file ${SEGLLM_MAN_DIR}/${target}-commands.h2m)
        set(include_args --include=${include_file})
        set(include_commands
            COMMAND ${CMAKE_COMMAND} -DSEGLLM=$<TARGET_FILE:${target}> -DOUT=${include_file}
                    -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/man-commands.cmake)
    endif()
    add_custom_command(
        OUTPUT ${page}.gz
        COMMAND ${CMAKE_COMMAND} -E make_directory ${SEGLLM_MAN_DIR}
        ${include_commands}
        COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                ${SEGLLM_HELP2MAN} --no-info --section=1 "--name=${name}"
                --version-string=${PROJECT_VERSION} ${include_args}
                --output=${page} $<TARGET_FILE:${target}>
        COMMAND ${SEGLLM_GZIP} -9 -n -f ${page}
        DEPENDS ${target} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/man-commands.cmake
        COMMENT "Generating the man page ${target}.1 with help2man"
        VERBATIM)
    add_custom_target(${target}_man ALL DEPENDS ${page}.gz)
    install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()

segllm_man_page(segllm "multi-round reasoning segmentation (SegLLM) from the command line"
                INCLUDE_COMMANDS)
if(SEGLLM_WITH_GUI)
    segllm_man_page(segllm-studio "chat with an image and segment what you ask for")
endif()
