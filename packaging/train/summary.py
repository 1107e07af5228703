#!/usr/bin/env python3
"""summary.py OUT [OUT...]: one line per figure that models are chosen and reported by, from the
JSON files of score-model.sh (validation first: the benchmark must not be used to choose)."""
import sys

from scores import load, rounds_2_8


def figures(s):
    line = "round 1 %.3f, rounds 2-8 %.3f, overall %.3f" % (
        s["rounds"][0]["ciou"], rounds_2_8(s), s["overall"]["ciou"])
    if "outcomes" in s:
        o = s["outcomes"]["overall"]
        line += ", target picked %.2f" % (o["target"] / o["rounds"])
    return line


if len(sys.argv) < 2:
    sys.exit(__doc__)
for d in sys.argv[1:]:
    print(d)
    for name in ("val-31337", "val-5151", "128", "128-nm", "mixed", "mixed-nm", "corr", "check"):
        s = load(d, name)
        if s is not None:
            print("  %-9s %s" % (name, figures(s)))
    s = load(d, "128")
    if s is not None:
        print("  types at 128x128: " + ", ".join(
            "%s %.3f" % (t, v["ciou"]) for t, v in sorted(s["types"].items())))
