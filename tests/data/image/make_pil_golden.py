#!/usr/bin/python3
"""Writes pil_golden.txt: reference outputs of Pillow's Image.resize for test_image_pil_golden.

Run with a Python that has Pillow (Debian: python3-pil 9.4.0 was used):
    /usr/bin/python3 tests/data/image/make_pil_golden.py > tests/data/image/pil_golden.txt
Each line: name mode filter src_w src_h dst_w dst_h hex-bytes (row-major, interleaved channels).
The source image is a deterministic pseudo-random 13x9 RGB image (LCG below) that the C++ test
regenerates; mode L uses its R channel.
"""
from PIL import Image

W, H = 13, 9


def source_bytes():
    state = 12345
    out = bytearray()
    for _ in range(W * H * 3):
        state = (state * 1103515245 + 12345) % (1 << 31)
        out.append((state >> 16) & 0xFF)
    return bytes(out)


def main():
    rgb = Image.frombytes("RGB", (W, H), source_bytes())
    gray = rgb.getchannel("R")
    filters = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
    sizes = [(5, 4), (20, 14), (13, 5), (6, 9), (31, 2)]
    lines = []
    for fname, f in filters.items():
        for (w, h) in sizes:
            out = rgb.resize((w, h), f)
            lines.append(f"resize RGB {fname} {W} {H} {w} {h} {out.tobytes().hex()}")
        out = gray.resize((9, 30), f)
        lines.append(f"resize L {fname} {W} {H} 9 30 {out.tobytes().hex()}")
    # CLIP processor steps with size 8: shortest side 9 -> 8, long int(8 * 13 / 9) = 11, bicubic,
    # centre crop 8x8 at ((11 - 8) // 2, 0).
    clip = rgb.resize((11, 8), Image.BICUBIC).crop((1, 0, 9, 8))
    lines.append(f"clip RGB bicubic {W} {H} 8 8 {clip.tobytes().hex()}")
    # ResizeLongestSide(16): scale 16 / 13, size (int(13 * s + .5), int(9 * s + .5)) = (16, 11).
    s = 16 * 1.0 / max(W, H)
    hw = (int(W * s + 0.5), int(H * s + 0.5))
    hip = rgb.resize(hw, Image.BILINEAR)
    lines.append(f"hipie RGB bilinear {W} {H} {hw[0]} {hw[1]} {hip.tobytes().hex()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
