#!/usr/bin/env python3
"""make_icons.py — writes kejiyun's site icons from one description.

static/img/icon.svg (favicon, any size) and static/img/apple-touch-icon.png
(180 x 180, what phones put on the home screen) are drawn from the SHAPES
below: a rounded square in the brand blue with a small white network of
three nodes (supply, demand, the platform between them). The PNG is
rasterized here with 4 x 4 supersampling and written with zlib only, so no
image library or font is needed and the two files cannot drift apart.

Run from the repository root:  python3 scripts/make_icons.py
"""
import math
import struct
import zlib

SIZE = 64                     # the drawing's coordinate space
BLUE = (10, 79, 150)          # --brand in static/css/site.css
WHITE = (255, 255, 255)
RADIUS = 12                   # corner radius of the square
NODES = [(18, 42, 7), (46, 42, 7), (32, 20, 8)]   # (cx, cy, r)
LINKS = [(18, 42, 32, 20), (46, 42, 32, 20), (18, 42, 46, 42)]
LINK_WIDTH = 4


def svg():
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}">',
             f'<rect width="{SIZE}" height="{SIZE}" rx="{RADIUS}" fill="#{"%02x%02x%02x" % BLUE}"/>',
             f'<g stroke="#fff" stroke-width="{LINK_WIDTH}" stroke-linecap="round">']
    parts += [f'<line x1="{a}" y1="{b}" x2="{c}" y2="{d}"/>' for a, b, c, d in LINKS]
    parts.append('</g><g fill="#fff">')
    parts += [f'<circle cx="{x}" cy="{y}" r="{r}"/>' for x, y, r in NODES]
    parts.append('</g></svg>\n')
    return '\n'.join(parts)


def inside_square(x, y):
    """Inside the rounded square (coordinates in drawing units)."""
    cx = min(max(x, RADIUS), SIZE - RADIUS)
    cy = min(max(y, RADIUS), SIZE - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2


def white(x, y):
    for cx, cy, r in NODES:
        if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
            return True
    for ax, ay, bx, by in LINKS:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        px, py = ax + t * dx, ay + t * dy
        if (x - px) ** 2 + (y - py) ** 2 <= (LINK_WIDTH / 2) ** 2:
            return True
    return False


def png(px, rounded=True):
    """rounded=False: a full square (iOS rounds home-screen icons itself
    and shows transparent corners black)."""
    ss = 4
    scale = SIZE / px
    rows = []
    for j in range(px):
        row = bytearray([0])  # filter: none
        for i in range(px):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sj in range(ss):
                for si in range(ss):
                    x = (i + (si + 0.5) / ss) * scale
                    y = (j + (sj + 0.5) / ss) * scale
                    if rounded and not inside_square(x, y):
                        continue
                    c = WHITE if white(x, y) else BLUE
                    acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            n = ss * ss
            a = acc[3] / n
            # Colour un-premultiplied by coverage, so edges stay the right hue.
            rgb = [round(acc[k] / (acc[3] / 255)) if acc[3] else 0 for k in range(3)]
            row += bytes(rgb + [round(a)])
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

    ihdr = struct.pack('>IIBBBBB', px, px, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
            chunk(b'IDAT', zlib.compress(b''.join(rows), 9)) + chunk(b'IEND', b''))


if __name__ == '__main__':
    with open('static/img/icon.svg', 'w', encoding='utf-8') as f:
        f.write(svg())
    with open('static/img/apple-touch-icon.png', 'wb') as f:
        f.write(png(180, rounded=False))
    with open('static/img/icon-32.png', 'wb') as f:
        f.write(png(32))
    print('wrote static/img/icon.svg, apple-touch-icon.png (180), icon-32.png')
