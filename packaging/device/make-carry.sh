#!/usr/bin/env bash
# Fills .devcarry/ (git-ignored) with what the GPU machines lack for building and running the
# `segllm` CLI, copied from this Debian 12 machine's packages:
#   include/nlohmann/ + share/cmake/nlohmann_json/   (nlohmann-json3-dev: header-only)
#   include/sentencepiece_{processor,trainer}.h      (libsentencepiece-dev)
#   lib/libsentencepiece{,_train}.so.0               (libsentencepiece0: they need only glibc
#                                                     >= 2.34, libstdc++ >= GCC 11, libm, libgcc_s)
# Real files, no symbolic links (links travel badly). Run from the repository root.
set -eu
CARRY=${CARRY:-.devcarry}
LIBDIR=/usr/lib/x86_64-linux-gnu
rm -rf "$CARRY"
mkdir -p "$CARRY/include" "$CARRY/lib" "$CARRY/share/cmake"
cp -r /usr/include/nlohmann "$CARRY/include/"
cp -r /usr/share/cmake/nlohmann_json "$CARRY/share/cmake/"
cp /usr/include/sentencepiece_processor.h /usr/include/sentencepiece_trainer.h "$CARRY/include/"
cp -L "$LIBDIR/libsentencepiece.so.0" "$LIBDIR/libsentencepiece_train.so.0" "$CARRY/lib/"
# What the libraries need beyond glibc / libstdc++ (should print nothing).
for f in "$CARRY"/lib/*.so.0; do
    readelf -d "$f" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' |
        grep -v -E "^(libc|libm|libstdc\+\+|libgcc_s|libsentencepiece)\.so|^ld-linux" || true
done
du -sh "$CARRY"
