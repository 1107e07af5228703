#!/usr/bin/env bash
# Builds the `segllm` command line (and the sentencepiece shim) against the LibTorch of the
# machine's Python PyTorch, then runs the checks listed in packaging/device/checks.txt.
# Made for the GPU machines (no Qt, OpenCV, sentencepiece or nlohmann-json there); see README.md.
#
#   OUT=/some/dir bash packaging/device/build-and-check.sh      (from the repository root)
#
# Environment (all optional):
#   OUT           where build.log, checks.log and summary.txt go (default: ./device-out)
#   TORCH_PREFIX  CMake prefix of LibTorch (default: torch.utils.cmake_prefix_path from python3,
#                 else nothing: CMake's own search, e.g. Debian's libtorch-dev)
#   CARRY         the carried folder (default: ./.devcarry; see README.md)
#   BUILD_DIR     build folder (default: ./build-device)
#   JOBS          parallel jobs (default: 16)
#   CHECKS        the checks file (default: packaging/device/checks.txt)
#   CHECK_TIMEOUT seconds per check unless its line says "@SECONDS command" (default: 120)
#   BUDGET        seconds for the whole script; each check's timeout is cut to what is left
#                 (default: 530)
#   EXTRA_CMAKE_ARGS  appended to the configure command line
#   DEV, TRAIN_STEPS  passed to the checks (see checks.txt)
#   APPLY_PATCHES=1   first apply packaging/device/*.patch (see README.md)
set -u
T0=$(date +%s)
ROOT=$(pwd)
OUT=${OUT:-$ROOT/device-out}
CARRY=${CARRY:-$ROOT/.devcarry}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-device}
JOBS=${JOBS:-16}
CHECKS=${CHECKS:-$ROOT/packaging/device/checks.txt}
CHECK_TIMEOUT=${CHECK_TIMEOUT:-120}
BUDGET=${BUDGET:-530}
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"

say() { echo "[device] $*" | tee -a "$SUMMARY"; }
elapsed() { echo $(($(date +%s) - T0)); }

if [ ! -f CMakeLists.txt ] || [ ! -d packaging/device ]; then
    echo "run this from the repository root" >&2
    exit 2
fi

# ---------------------------------------------------------------------------------------------
# Environment
if [ -z "${TORCH_PREFIX+x}" ]; then
    TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)
fi
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH=/usr/local/cuda/bin:$PATH
fi
if command -v nvcc >/dev/null 2>&1; then
    export CUDACXX=${CUDACXX:-$(command -v nvcc)}
    # Name the architecture so Torch's CMake does not probe for it (H100 / H200: sm_90).
    export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
fi
{
    echo "date: $(date -u)"
    echo "host: $(uname -a)"
    echo "os: $(grep PRETTY_NAME /etc/os-release 2>/dev/null)"
    echo "glibc: $(ldd --version 2>/dev/null | head -1)"
    echo "c++: $(c++ --version 2>/dev/null | head -1)"
    echo "cmake: $(cmake --version | head -1)  ninja: $(ninja --version 2>/dev/null)"
    echo "nvcc: $(nvcc --version 2>/dev/null | tail -1)"
    echo "torch prefix: ${TORCH_PREFIX:-<system>}"
    echo "torch: $(python3 -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available())' 2>/dev/null)"
    echo "carry: $CARRY ($(du -sh "$CARRY" 2>/dev/null | cut -f1))"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
} | tee -a "$SUMMARY"

# ---------------------------------------------------------------------------------------------
# APPLY_PATCHES=1: apply packaging/device/*.patch to this copy of the tree first (each one that
# applies cleanly; one already applied is left alone). For trying wiring on the machine only.
if [ "${APPLY_PATCHES:-0}" = 1 ]; then
    for p in "$ROOT"/packaging/device/*.patch; do
        [ -f "$p" ] || continue
        if git apply --check "$p" >/dev/null 2>&1; then
            git apply "$p" && say "patch applied: $p"
        elif git apply --check -R "$p" >/dev/null 2>&1; then
            say "patch already applied: $p"
        elif patch -p1 -N --dry-run <"$p" >/dev/null 2>&1; then
            patch -p1 -N <"$p" >/dev/null && say "patch applied (patch): $p"
        else
            say "patch NOT applied: $p"
        fi
    done
fi

# ---------------------------------------------------------------------------------------------
# Configure + build (only the CLI; the shim comes with segllm_text)
PREFIX_PATH=$CARRY
[ -n "$TORCH_PREFIX" ] && PREFIX_PATH="$TORCH_PREFIX;$CARRY"
SPM_ARGS=()
if [ -f "$CARRY/include/sentencepiece_processor.h" ]; then
    SPM_ARGS=(-DSEGLLM_WITH_TOKENIZER=ON "-DSEGLLM_SENTENCEPIECE_ROOT=$CARRY")
fi
set -o pipefail
t=$(date +%s)
# shellcheck disable=SC2086
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_PREFIX_PATH=$PREFIX_PATH" \
    -DSEGLLM_WITH_GUI=OFF -DSEGLLM_WITH_OPENCV=OFF -DSEGLLM_BUILD_TESTS=OFF \
    -DSEGLLM_WERROR=OFF \
    "${SPM_ARGS[@]}" \
    -DCMAKE_CXX_FLAGS="-g0" \
    ${EXTRA_CMAKE_ARGS:-} 2>&1 | tee "$OUT/build.log"
configure_rc=$?
say "configure: rc=$configure_rc, $(($(date +%s) - t)) s"
build_rc=1
if [ "$configure_rc" -eq 0 ]; then
    t=$(date +%s)
    # -k 0: keep going, so every compile error is in the log at once.
    ninja -C "$BUILD_DIR" -k 0 -j "$JOBS" segllm 2>&1 | tee -a "$OUT/build.log"
    build_rc=$?
    say "build: rc=$build_rc, $(($(date +%s) - t)) s"
    grep -E "error:|FAILED:" "$OUT/build.log" | head -40 >>"$SUMMARY"
fi

# ---------------------------------------------------------------------------------------------
# Checks: one shell command per line ("#" comments and blank lines skipped), run in order from
# the repository root whatever the build gave; "@N command" gives that check N seconds.
# Variables for them: $SEGLLM (the CLI), $BUILD_DIR, $OUT, $CARRY, $ROOT, $DEV (cuda when
# nvidia-smi sees a GPU, else cpu), $TRAIN_STEPS (default 20).
if [ -z "${DEV:-}" ]; then
    DEV=cpu
    nvidia-smi -L >/dev/null 2>&1 && DEV=cuda
fi
TRAIN_STEPS=${TRAIN_STEPS:-20}
export SEGLLM=$BUILD_DIR/bin/segllm BUILD_DIR OUT CARRY ROOT DEV TRAIN_STEPS T0 BUDGET
export PATH=$BUILD_DIR/bin:$PATH
export LD_LIBRARY_PATH=$CARRY/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
t_checks=$(date +%s)
: >"$OUT/checks.log"
n=0
failed=0
if [ -f "$CHECKS" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'*) continue ;; esac
        n=$((n + 1))
        limit=$CHECK_TIMEOUT
        if [[ "$line" =~ ^@([0-9]+)[[:space:]]+(.*)$ ]]; then
            limit=${BASH_REMATCH[1]}
            line=${BASH_REMATCH[2]}
        fi
        left=$((BUDGET - $(elapsed) - 5))
        if [ "$left" -lt 5 ]; then
            say "check $n: skipped (budget spent): $line"
            failed=$((failed + 1))
            continue
        fi
        [ "$limit" -gt "$left" ] && limit=$left
        echo "=== check $n (timeout ${limit} s): $line" | tee -a "$OUT/checks.log"
        t=$(date +%s)
        timeout -k 5 "$limit" bash -c "$line" </dev/null 2>&1 | tee -a "$OUT/checks.log"
        rc=${PIPESTATUS[0]}
        [ "$rc" -ne 0 ] && failed=$((failed + 1))
        say "check $n: rc=$rc, $(($(date +%s) - t)) s: $line"
    done <"$CHECKS"
else
    say "no checks file $CHECKS"
fi
say "checks: $n run, $failed failed, $(($(date +%s) - t_checks)) s"
say "total: $(elapsed) s"
[ "$build_rc" -eq 0 ] && [ "$failed" -eq 0 ]
