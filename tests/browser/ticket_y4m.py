#!/usr/bin/env python3
"""tests/browser/ticket_y4m.py SVG Y4M — turns a ticket's QR code (the SVG
of /events/{id}/ticket.svg: a path of unit squares, "M x y h n v1 h-n z")
into a short YUV4MPEG2 video that Chromium plays as its fake camera
(--use-file-for-fake-video-capture): the code black on white, centred in
640x480, 12 pixels a module. Python's standard library only. Prints the
geometry as JSON ({width, height, left, top, scale, size}) for the test."""
import json
import re
import sys

W, H, SCALE = 640, 480, 12


def modules(svg):
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    dark = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for i in range(int(n)):
            dark.add((int(x) + i, int(y)))
    return size, dark


def main(src, dst):
    size, dark = modules(open(src).read())
    left, top = (W - size * SCALE) // 2, (H - size * SCALE) // 2
    y_plane = bytearray(b"\xeb" * (W * H))          # white (video range)
    for (mx, my) in dark:
        for dy in range(SCALE):
            row = (top + my * SCALE + dy) * W + left + mx * SCALE
            y_plane[row:row + SCALE] = b"\x10" * SCALE   # black
    chroma = b"\x80" * (W * H // 4)
    with open(dst, "wb") as f:
        f.write(b"YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n" % (W, H))
        for _ in range(10):
            f.write(b"FRAME\n" + bytes(y_plane) + chroma + chroma)
    print(json.dumps({"width": W, "height": H, "left": left, "top": top, "scale": SCALE, "size": size}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
