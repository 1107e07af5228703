# Names and tools shared by the packaging rules (install.cmake, manpages.cmake, desktop.cmake,
# cpack.cmake), resources/CMakeLists.txt and tests/packaging. Only sets variables: include it
# wherever they are needed.

# The reverse-DNS application id: desktop entry file name, AppStream component id, icon name.
set(SEGLLM_APP_ID "io.github.segllm.SegLLMStudio")
# Data folder of an installed prefix, found by core/common/paths.h relative to the executable.
set(SEGLLM_DATA_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/segllm-studio)
# PNG sizes rendered from the SVG icon for the hicolor theme.
set(SEGLLM_ICON_SIZES 16 22 24 32 48 64 128 256 512)

# Build-time tools (packaging/install-deps.sh installs them); each part is left out, with a
# message, when its tool is missing.
find_program(SEGLLM_HELP2MAN help2man)
find_program(SEGLLM_GZIP gzip)
find_program(SEGLLM_RSVG_CONVERT rsvg-convert)
find_program(SEGLLM_DESKTOP_FILE_VALIDATE desktop-file-validate)
find_program(SEGLLM_APPSTREAMCLI appstreamcli)
