"""What the scripts of packaging/train read from the JSON files of `segllm eval --json`."""
import json, os


def load(directory, name):
    """The scores in DIRECTORY/NAME.json, or None when there is no such file."""
    path = os.path.join(directory, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else None


def rounds_2_8(scores):
    """Mean cIoU of the rounds after the first (the issue's "rounds 2-8")."""
    later = [r["ciou"] for r in scores["rounds"] if r["round"] >= 2]
    return sum(later) / len(later)
