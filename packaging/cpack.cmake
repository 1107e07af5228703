# The Debian package (CPack DEB): `cmake --build <build> --target package` writes
# <build>/segllm-studio_<version>_<arch>.deb. Not part of `all` or of ctest.
#
# Depends: the shared libraries the programs and the tokenizer shim link (LibTorch, Qt, OpenCV,
# sentencepiece ...), computed by dpkg-shlibdeps (Debian package dpkg-dev, which uses `file`),
# plus what dpkg-shlibdeps cannot see: OpenBLAS (LibTorch is ~20x slower with the reference
# BLAS), the Qt platform plugins (xcb), the SVG plugins for the icon, and a font.
include(${CMAKE_CURRENT_LIST_DIR}/settings.cmake)

set(SEGLLM_PACKAGE_MAINTAINER "SegLLM Studio maintainers <maintainers@segllm-studio.invalid>"
    CACHE STRING "Maintainer field of the .deb: Name <e-mail>")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "segllm-studio")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "SegLLM Studio")
set(CPACK_PACKAGE_CONTACT "${SEGLLM_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "chat with an image and segment what you ask for")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/segllm/segllm-studio")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_NAME "segllm-studio")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SEGLLM_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION "graphics")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp")
if(SEGLLM_WITH_GUI)
    string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", qt6-qpa-plugins, libqt6svg6, fonts-dejavu-core")
    # Wayland sessions, Qt's own translations, more image formats (TIFF, WebP), GTK theming.
    set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
        "qt6-wayland, qt6-translations-l10n, qt6-image-formats-plugins, qt6-gtk-platformtheme")
endif()
# Debian's long description (CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY before it as the
# synopsis line and indents each line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "SegLLM Studio is a desktop application for annotating images: the annotator
chats with an image and a multi-round reasoning segmentation model (SegLLM)
segments what they ask for; masks are exported as COCO, PNG or labelme files.
The package holds the desktop application segllm-studio and the command-line
tool segllm.")

include(CPack)
