#!/usr/bin/env bash
# Trains several arms of one experiment at once, each for as many steps as the time left allows,
# and packs what each one learnt small enough to come back from the device machine. Run as a
# check of build-and-check.sh (it exports SEGLLM, OUT, DEV, T0, BUDGET; see checks-arms.txt), or
# by hand with those variables set.
#
# Environment:
#   ARMS     file of arms, one per line: NAME OPTIONS... ("#" comments and blank lines skipped);
#            default packaging/device/arms-depth.txt
#   COMMON   options every arm gets (default: the probe-only stage from $INIT, see below)
#   INIT     model folder the arms start from (default: $CARRY/init)
#   CAL      calibration steps (default 30): every arm first runs CAL steps, all arms at once, to
#            measure its seconds per step under the same load; then each arm gets the steps
#            that fit before T0 + BUDGET - MARGIN
#   MARGIN   seconds kept for packing (default 30)
#   THREADS  intra-op threads per arm (default 3)
#   BATCH    conversations per step (default 16)
# An arm whose calibration fails on $DEV is calibrated again on the CPU and runs there.
# Per arm, $OUT/NAME.tgz holds config.json, loss_log.csv, trainer_state.json, the train log and
# delta.safetensors: the tensors that differ from $INIT/model.safetensors (merge them back with
# safetensors_delta.py merge).
set -u
ROOT=${ROOT:-$(pwd)}
OUT=${OUT:-$ROOT/device-out}
CARRY=${CARRY:-$ROOT/.devcarry}
SEGLLM=${SEGLLM:-$ROOT/build/bin/segllm}
DEV=${DEV:-cpu}
T0=${T0:-$(date +%s)}
BUDGET=${BUDGET:-530}
ARMS=${ARMS:-$ROOT/packaging/device/arms-depth.txt}
INIT=${INIT:-$CARRY/init}
CAL=${CAL:-30}
MARGIN=${MARGIN:-30}
THREADS=${THREADS:-3}
BATCH=${BATCH:-16}
COMMON=${COMMON:---init $INIT --freeze-clip --clip-pretrain 0 --grounding 5 --probe-cells 4 --patch-probe 0.5 --lr-llm 1e-3 --lr-heads 1e-3 --seed 23}
WORK=${WORK:-$ROOT/arms-work}
DELTA=$ROOT/packaging/device/safetensors_delta.py
END=$((T0 + BUDGET - MARGIN))
mkdir -p "$OUT" "$WORK"
say() { echo "[arms $(($(date +%s) - T0))s] $*"; }

names=()
opts=()
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    names+=("${line%% *}")
    rest=${line#* }
    [ "$rest" = "$line" ] && rest=""
    opts+=("$rest")
done <"$ARMS"
say "${#names[@]} arms from $ARMS on $DEV, batch $BATCH, $THREADS threads each, init $INIT"

# Median of the last half of the 'seconds' column of a loss log.
seconds_per_step() {
    python3 - "$1" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
s = [float(r["seconds"]) for r in rows[len(rows) // 2:]]
print(statistics.median(s) if s else 0)
EOF
}

calibrate() {  # name options device
    local dir=$WORK/cal-$1
    rm -rf "$dir"
    local t=$(date +%s)
    # shellcheck disable=SC2086
    "$SEGLLM" train --out "$dir" --steps "$CAL" --probe-only "$CAL" --save-every 0 \
        --batch "$BATCH" --threads "$THREADS" --device "$3" $COMMON $2 >"$WORK/cal-$1.log" 2>&1
    local rc=$?
    echo "$rc $(($(date +%s) - t))" >"$WORK/cal-$1.rc"
}

devs=()
for i in "${!names[@]}"; do
    devs+=("$DEV")
    calibrate "${names[$i]}" "${opts[$i]}" "$DEV" &
done
wait
for i in "${!names[@]}"; do
    read -r rc wall <"$WORK/cal-${names[$i]}.rc"
    if [ "$rc" -ne 0 ] && [ "$DEV" != cpu ]; then
        say "${names[$i]}: calibration failed on $DEV (rc $rc):"
        tail -5 "$WORK/cal-${names[$i]}.log"
        devs[$i]=cpu
        calibrate "${names[$i]}" "${opts[$i]}" cpu
        read -r rc wall <"$WORK/cal-${names[$i]}.rc"
    fi
    if [ "$rc" -ne 0 ]; then
        say "${names[$i]}: calibration failed (rc $rc), arm dropped:"
        tail -5 "$WORK/cal-${names[$i]}.log"
        devs[$i]=none
    fi
done

steps=()
for i in "${!names[@]}"; do
    steps+=(0)
    [ "${devs[$i]}" = none ] && continue
    read -r _ wall <"$WORK/cal-${names[$i]}.rc"
    sps=$(seconds_per_step "$WORK/cal-${names[$i]}/loss_log.csv")
    n=$(python3 -c "
s, wall, cal, left = $sps, $wall, $CAL, $((END - $(date +%s)))
start = max(wall - s * cal, 5)
print(max(int(0.92 * (left - start) / s), 0) if s > 0 else 0)")
    steps[$i]=$n
    say "${names[$i]}: ${devs[$i]}, calibration $wall s, $sps s/step -> $n steps"
done

for i in "${!names[@]}"; do
    n=${steps[$i]}
    [ "$n" -gt 0 ] || continue
    dir=$WORK/${names[$i]}
    rm -rf "$dir"
    left=$((END - $(date +%s)))
    [ "$left" -gt 10 ] || { say "${names[$i]}: no time left"; continue; }
    # shellcheck disable=SC2086
    timeout -k 5 "$left" "$SEGLLM" train --out "$dir" --steps "$n" --probe-only "$n" \
        --save-every 250 --batch "$BATCH" --threads "$THREADS" --device "${devs[$i]}" \
        $COMMON ${opts[$i]} >"$WORK/${names[$i]}.log" 2>&1 &
done
wait
say "training done"

for i in "${!names[@]}"; do
    name=${names[$i]}
    dir=$WORK/$name
    [ -f "$dir/model/model.safetensors" ] || { say "$name: no model"; continue; }
    pack=$WORK/pack-$name
    rm -rf "$pack"
    mkdir -p "$pack"
    cp "$dir/model/config.json" "$dir/loss_log.csv" "$dir/trainer_state.json" "$pack/" 2>/dev/null
    tr '\r' '\n' <"$WORK/$name.log" | tail -40 >"$pack/train.log"
    echo "${devs[$i]} ${opts[$i]}" >"$pack/arm.txt"
    python3 "$DELTA" delta "$INIT/model.safetensors" "$dir/model/model.safetensors" \
        "$pack/delta.safetensors"
    tar -czf "$OUT/$name.tgz" -C "$pack" .
    say "$name: $(tail -1 "$dir/loss_log.csv" | cut -d, -f1) steps, $(du -h "$OUT/$name.tgz" | cut -f1)"
done
say "done"
