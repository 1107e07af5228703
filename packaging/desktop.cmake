# Desktop integration of segllm-studio, all named by the application id ${SEGLLM_APP_ID}:
#   share/applications/<id>.desktop            from packaging/segllm-studio.desktop
#   share/metainfo/<id>.metainfo.xml           AppStream metainfo
#   share/icons/hicolor/scalable/apps/<id>.svg the icon (resources/icons/segllm-studio.svg)
#   share/icons/hicolor/<N>x<N>/apps/<id>.png  PNG renderings of the SVG, made at build time
#                                              with rsvg-convert (Debian package librsvg2-bin)
set(SEGLLM_ICON_SVG ${PROJECT_SOURCE_DIR}/resources/icons/segllm-studio.svg)
set(SEGLLM_ICON_DIR ${PROJECT_BINARY_DIR}/icons/hicolor)

install(FILES ${CMAKE_CURRENT_LIST_DIR}/segllm-studio.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications
        RENAME ${SEGLLM_APP_ID}.desktop)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/${SEGLLM_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${SEGLLM_ICON_SVG}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
        RENAME ${SEGLLM_APP_ID}.svg)

set(SEGLLM_HAVE_PNG_ICONS OFF)
if(NOT SEGLLM_RSVG_CONVERT)
    message(STATUS "rsvg-convert not found: only the SVG icon is installed "
                   "(bash packaging/install-deps.sh installs librsvg2-bin)")
    return()
endif()
set(SEGLLM_HAVE_PNG_ICONS ON)

set(_segllm_pngs)
foreach(size IN LISTS SEGLLM_ICON_SIZES)
    set(dir ${SEGLLM_ICON_DIR}/${size}x${size}/apps)
    set(png ${dir}/${SEGLLM_APP_ID}.png)
    add_custom_command(
        OUTPUT ${png}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
        COMMAND ${SEGLLM_RSVG_CONVERT} --width=${size} --height=${size} --keep-aspect-ratio
                --output=${png} ${SEGLLM_ICON_SVG}
        DEPENDS ${SEGLLM_ICON_SVG}
        COMMENT "Rendering the ${size}x${size} icon"
        VERBATIM)
    list(APPEND _segllm_pngs ${png})
    install(FILES ${png} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
endforeach()
add_custom_target(segllm_icons ALL DEPENDS ${_segllm_pngs})
