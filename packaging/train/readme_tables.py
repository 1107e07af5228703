#!/usr/bin/env python3
"""readme_tables.py README OUT [--check]: rewrites the score tables of README (the lines from
'128x128, 500 conversations, seed 424242:' up to the one starting 'With the true history') from
the JSON files that score-model.sh wrote into OUT (128, 128-nm, mixed, mixed-nm, corr, corr-nm).
With --check it only prints the lines that would change (as a diff) and exits 1 when any would."""
import difflib, json, sys

from scores import rounds_2_8

if len(sys.argv) < 3:
    sys.exit(__doc__)
readme, d = sys.argv[1], sys.argv[2]
J = lambda n: json.load(open(f"{d}/{n}.json"))

def block(title, a, b):
    out = [f"{title}, 500 conversations, seed 424242:", "",
           "| round | cIoU, SegLLM (mask memory) | cIoU, same model, memory rows left out | rounds scored |",
           "| --- | --- | --- | --- |"]
    rb = {r["round"]: r for r in b["rounds"]}
    for r in a["rounds"]:
        out.append(f"| {r['round']} | {r['ciou']:.3f} | {rb[r['round']]['ciou']:.3f} | {r['count']} |")
    out.append(f"| mean of rounds 2-8 | {rounds_2_8(a):.3f} | {rounds_2_8(b):.3f} | |")
    out.append(f"| overall | {a['overall']['ciou']:.3f} | {b['overall']['ciou']:.3f} | {a['overall']['count']} |")
    out += ["", "| relation type | SegLLM | memory rows left out | rounds |", "| --- | --- | --- | --- |"]
    for t, v in sorted(a["types"].items()):
        out.append(f"| {t} | {v['ciou']:.3f} | {b['types'][t]['ciou']:.3f} | {v['count']} |")
    return out + [""]

def outcomes(a, b):
    out = ["What each round segmented, corrected history, 500 conversations, seed 424242, 128x128 (share of rounds; IoU > 0.5):", "",
           "| relation type | target | instance [k] names | other earlier answer | something else | target among candidates | rounds | IoU of target hits | best candidate IoU |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, s in (("SegLLM", a), ("memory rows left out", b)):
        oc = s["outcomes"]
        for t in sorted(k for k in oc if k != "overall") + ["overall"]:
            o = oc[t]; n = o["rounds"]
            out.append(f"| {name}, {t} | {o['target']/n:.2f} | {o['referenced']/n:.2f} | {o['earlier']/n:.2f} | "
                       f"{o['elsewhere']/n:.2f} | {o['candidate']/n:.2f} | {n} | {o['target_iou']:.3f} | {o['best_candidate_iou']:.3f} |")
    return out + [""]

new = block("128x128", J("128"), J("128-nm")) + block("mixed", J("mixed"), J("mixed-nm")) + outcomes(J("corr"), J("corr-nm"))
lines = open(readme).read().split("\n")
i = lines.index("128x128, 500 conversations, seed 424242:")
j = next(k for k in range(i, len(lines)) if lines[k].startswith("With the true history"))
if "--check" in sys.argv:
    diff = list(difflib.unified_diff(lines[i:j], new, readme, "from " + d, lineterm=""))
    if diff:
        print("\n".join(diff))
        sys.exit(1)
    sys.exit(0)
lines[i:j] = new
open(readme, "w").write("\n".join(lines))
