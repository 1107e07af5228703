#!/usr/bin/env bash
# Scores a model folder the way the shipped model is judged (README, "Training status"), two
# evaluations at a time (each `segllm eval` uses one thread), and writes every result as JSON
# and text into OUT:
#   validation (the seeds models are chosen by): val-31337, val-5151
#     segllm eval --generated 1000 --seed 31337|5151 --gen-max-rounds 8 --errors
#   the issue benchmark (never used to choose): 128, 128-nm, mixed, mixed-nm, corr, corr-nm
#     segllm eval --generated 500 --seed 424242 --gen-max-rounds 8 --size 128x128|mixed
#                 [--corrected --errors] [--no-mask-memory]
#   the CI check of tests/train/test_shipped_model.cpp: check
#     segllm eval --generated 40 --seed 77 --gen-max-rounds 4
# Usage: packaging/train/score-model.sh MODEL_DIR OUT [SEGLLM]   (SEGLLM: default build/bin/segllm)
# About 14 minutes on a 2-core machine; OUT/times lists each evaluation's seconds.
set -euo pipefail
if [ $# -lt 2 ]; then
    sed -n '2,13p' "$0" >&2
    exit 2
fi
model=$1
out=$2
segllm=${3:-build/bin/segllm}
[ -f "$model/config.json" ] || { echo "score-model: $model/config.json not found" >&2; exit 1; }
[ -x "$segllm" ] || { echo "score-model: $segllm is not an executable" >&2; exit 1; }
mkdir -p "$out"

one() { # NAME ARGS...: one evaluation into OUT/NAME.json and OUT/NAME.txt
    local name=$1 start
    shift
    start=$(date +%s)
    if ! "$segllm" eval --model "$model" "$@" --json "$out/$name.json" >"$out/$name.txt" 2>&1; then
        echo "score-model: $name failed, see $out/$name.txt" >&2
        return 1
    fi
    echo "$name $(($(date +%s) - start)) s" >>"$out/times"
}
bench="--generated 500 --seed 424242 --gen-max-rounds 8"
(
    one 128 $bench --size 128x128
    one mixed $bench --size mixed
    one corr $bench --size 128x128 --corrected --errors
    one check --generated 40 --seed 77 --gen-max-rounds 4
    one val-31337 --generated 1000 --seed 31337 --gen-max-rounds 8 --errors
) &
first=$!
(
    one 128-nm $bench --size 128x128 --no-mask-memory
    one mixed-nm $bench --size mixed --no-mask-memory
    one corr-nm $bench --size 128x128 --corrected --errors --no-mask-memory
    one val-5151 --generated 1000 --seed 5151 --gen-max-rounds 8 --errors
) &
second=$!
status=0
wait $first || status=1
wait $second || status=1
exit $status
