#!/usr/bin/env python3
"""report.py OUT REPORT REPLACED LINES: ships a model's figures into its training_report.json.

REPORT (the model folder's training_report.json) is rewritten in place: its current check and
benchmark move to "replaced_model" (named REPLACED, e.g. "RW4, shipped in session 14"), the
check and benchmark that score-model.sh wrote into OUT take their place, and LINES (a JSON file
holding a list of strings: the new stages' commands) is appended to "training"."""
import json, sys

if len(sys.argv) != 5:
    sys.exit(__doc__)
out, report_path, replaced, lines_path = sys.argv[1:]
report = json.load(open(report_path))


def load(name):
    return json.load(open("%s/%s.json" % (out, name)))


report["replaced_model"] = {"model": replaced, "check": report["check"],
                            "benchmark": report["benchmark"]}
report["check"] = dict(report["check"], scores=load("check"))
bench = dict(report["benchmark"])
for key, on, off in (("128x128", "128", "128-nm"), ("mixed", "mixed", "mixed-nm"),
                     ("128x128 corrected history", "corr", "corr-nm")):
    bench[key] = dict(bench[key], segllm=load(on), mask_memory_off_at_inference=load(off))
report["benchmark"] = bench
report["training"] = report["training"] + json.load(open(lines_path))
order = ["model", "trained_on", "training", "ablation", "check", "benchmark", "replaced_model",
         "previous_model"]
# the known keys in this order, then any other (e.g. matched_stage_ablation) as it was
report = dict([(k, report[k]) for k in order if k in report] +
              [(k, v) for k, v in report.items() if k not in order])
with open(report_path, "w") as f:
    json.dump(report, f, indent=1, ensure_ascii=False)
    f.write("\n")
