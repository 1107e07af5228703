#!/usr/bin/env bash
# Installs every Debian 12 (bookworm) package that SegLLM Studio needs to build, test and run.
# Idempotent: when everything is already installed it changes nothing and exits 0 at once.
# Run as root, or as a user with sudo.
set -euo pipefail

packages=(
    # build tools
    cmake ninja-build g++ pkg-config
    # inference core: LibTorch (CPU) and a fast BLAS for it (the reference BLAS is ~20x slower)
    libtorch-dev libopenblas0-openmp
    # desktop application, Qt Test, Qt Linguist, SVG icons
    qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libqt6svg6
    # image decoding and exports, tokenizer, JSON
    libopencv-dev libsentencepiece-dev sentencepiece nlohmann-json3-dev
    # an X server for GUI tests and screenshots, and fonts for text under offscreen/xvfb
    xvfb xauth fonts-dejavu-core
    # packaging: man pages (help2man), PNG icons from the SVG (rsvg-convert), validators for the
    # desktop entry and the AppStream metainfo, and what CPack needs for the .deb's dependencies
    help2man librsvg2-bin desktop-file-utils appstream dpkg-dev file
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or install sudo) to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
