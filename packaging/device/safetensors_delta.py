#!/usr/bin/env python3
"""Small safetensors deltas, so that trained models fit through the device's file limits.

  safetensors_delta.py delta BASE NEW OUT    OUT holds the tensors of NEW that BASE lacks or
                                             that differ from BASE (byte for byte)
  safetensors_delta.py merge BASE DELTA OUT  OUT = BASE with DELTA's tensors added or replaced

Standard library only (the GPU machines' Python has no safetensors package). The files keep
their tensors' dtypes and shapes; the header's __metadata__ of NEW (delta) or BASE (merge) is kept.
"""
import json
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise SystemExit(f"{path}: not a safetensors file (shorter than 8 bytes)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise SystemExit(f"{path}: header of {n} bytes runs past the end of the file")
    try:
        header = json.loads(data[8 : 8 + n])
    except ValueError as e:
        raise SystemExit(f"{path}: the header is not JSON ({e})")
    body = data[8 + n :]
    meta = header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(body):
            raise SystemExit(f"{path}: tensor '{name}' lies outside the file")
        tensors[name] = (info["dtype"], info["shape"], body[begin:end])
    return meta, tensors


def write(path, meta, tensors):
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if meta is not None:
        header["__metadata__"] = meta
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def main(argv):
    if len(argv) != 5 or argv[1] not in ("delta", "merge"):
        raise SystemExit(__doc__)
    mode, base_path, other_path, out_path = argv[1:]
    base_meta, base = read(base_path)
    other_meta, other = read(other_path)
    if mode == "delta":
        out = {k: v for k, v in other.items() if base.get(k) != v}
        write(out_path, other_meta, out)
        print(f"{out_path}: {len(out)} of {len(other)} tensors differ from {base_path}")
    else:
        out = dict(base)
        out.update(other)
        write(out_path, base_meta, out)
        print(f"{out_path}: {len(base)} tensors of {base_path}, {len(other)} from {other_path}")


if __name__ == "__main__":
    main(sys.argv)
