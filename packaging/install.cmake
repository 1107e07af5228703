# Installation layout of SegLLM Studio (included at the end of the top-level CMakeLists.txt):
#   bin/segllm, bin/segllm-studio               the programs (app/)
#   lib/segllm-studio/libsegllm_spm_shim.so     the tokenizer shim (core/text)
#   share/segllm-studio/{images,models}         data, found by core/common/paths.h relative to the
#                                               executable (resources/CMakeLists.txt)
#   share/man/man1/segllm.1.gz, segllm-studio.1.gz   man pages (packaging/manpages.cmake)
#   share/applications, share/metainfo, share/icons/hicolor   desktop integration (desktop.cmake)
# The compiled translations (.qm) are embedded in segllm-studio as Qt resources (ui/CMakeLists.txt),
# so there are no translation files to install.

include(${CMAKE_CURRENT_LIST_DIR}/settings.cmake)

# core/common/paths.cpp: the source tree's resources/ folder, used only by a program that runs
# from this build tree (paths.h, data_dirs()).
set_property(SOURCE ${PROJECT_SOURCE_DIR}/core/common/paths.cpp
             DIRECTORY ${PROJECT_SOURCE_DIR}/core/common
             APPEND PROPERTY COMPILE_DEFINITIONS
             SEGLLM_PATHS_SOURCE_RESOURCES="${PROJECT_SOURCE_DIR}/resources"
             SEGLLM_PATHS_BUILD_DIR="${PROJECT_BINARY_DIR}")

# The data install rules (sample images, the shipped model) also for builds without the GUI,
# whose top level does not add resources/.
if(NOT SEGLLM_WITH_GUI)
    add_subdirectory(${PROJECT_SOURCE_DIR}/resources ${PROJECT_BINARY_DIR}/resources)
endif()

include(${CMAKE_CURRENT_LIST_DIR}/manpages.cmake)
if(SEGLLM_WITH_GUI)
    include(${CMAKE_CURRENT_LIST_DIR}/desktop.cmake)
endif()
