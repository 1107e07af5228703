#!/usr/bin/env python3
"""ablation_tables.py HR_OUT NM_OUT HR_NAME NM_NAME: prints the README's side-by-side tables of a
model and its trained ablation (per round, then per relation type; 128x128 and mixed sizes) from
the 128.json and mixed.json that `segllm eval --json` wrote into HR_OUT and NM_OUT (the issue
benchmark: --generated 500 --seed 424242 --gen-max-rounds 8 --size 128x128|mixed, the ablation
with --no-mask-memory)."""
import sys

from scores import load, rounds_2_8

if len(sys.argv) != 5:
    sys.exit(__doc__)
hr_dir, nm_dir, hr, nm = sys.argv[1:]
runs = [load(hr_dir, "128"), load(nm_dir, "128"), load(hr_dir, "mixed"), load(nm_dir, "mixed")]
if None in runs:
    sys.exit("ablation_tables: 128.json or mixed.json is missing in %s or %s" % (hr_dir, nm_dir))
for a, b in ((runs[0], runs[1]), (runs[2], runs[3])):
    if [r["count"] for r in a["rounds"]] != [r["count"] for r in b["rounds"]]:
        sys.exit("ablation_tables: the two runs scored different rounds (not the same benchmark)")


by_round = [{r["round"]: r for r in s["rounds"]} for s in runs]
print(f"| round | 128x128, {hr} (mask memory) | 128x128, {nm} (trained without) | mixed, {hr} | "
      f"mixed, {nm} | rounds (128x128 / mixed) |")
print("| --- | --- | --- | --- | --- | --- |")
for k in sorted(by_round[0]):
    cells = " | ".join(f"{b[k]['ciou']:.3f}" for b in by_round)
    print(f"| {k} | {cells} | {by_round[0][k]['count']} / {by_round[2][k]['count']} |")
print("| mean of rounds 2-8 | " + " | ".join(f"{rounds_2_8(s):.3f}" for s in runs) + " | |")
print("| overall | " + " | ".join(f"{s['overall']['ciou']:.3f}" for s in runs) +
      f" | {runs[0]['overall']['count']} / {runs[2]['overall']['count']} |")
print()
print(f"| relation type | 128x128, {hr} | 128x128, {nm} | mixed, {hr} | mixed, {nm} |")
print("| --- | --- | --- | --- | --- |")
for t in sorted(runs[0]["types"]):
    print(f"| {t} | " + " | ".join(f"{s['types'][t]['ciou']:.3f}" for s in runs) + " |")
print()
print(f"rounds 2-8 gap: 128x128 {100 * (rounds_2_8(runs[0]) - rounds_2_8(runs[1])):.1f} points, "
      f"mixed {100 * (rounds_2_8(runs[2]) - rounds_2_8(runs[3])):.1f} points")
