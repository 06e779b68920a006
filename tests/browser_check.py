#!/usr/bin/env python3
"""Checks for tests/browser.sh, with the standard library only.

  png FILE            print "<distinct colours> <non-white share>" of a PNG screenshot
  hosts NETLOG        print the hosts a Chromium net log requested, one per line
  charts DOM ID...    check the dumped DOM has exactly one <svg> with each id, each
                      with Chinese text in it, and print the number of <svg> elements
  differ A.png B.png  check two screenshots differ in their pixels (Chinese glyphs
                      against the boxes of characters no font has)
  offline HTML        check an HTML file loads nothing: no script, no external
                      src/href/url(), no @import

Each check exits 1 with a sentence on stderr when it fails.
"""

import re
import struct
import sys
import zlib


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def png_pixels(path):
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG into rows of pixel tuples."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG file")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                fail(f"{path}: only 8-bit RGB/RGBA non-interlaced PNG is read here")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if width is None:
        fail(f"{path} has no IHDR chunk")
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def png(path):
    width, height, channels, rows = png_pixels(path)
    colours, inked = set(), 0
    for line in rows:
        for x in range(0, width * channels, channels):
            px = line[x : x + 3]
            colours.add(px)
            if px != b"\xff\xff\xff":
                inked += 1
    print(len(colours), round(inked / (width * height), 4))


def hosts(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    found = set()
    for url in re.findall(r'"url":"([^"]+)"', text):
        m = re.match(r"[a-z]+://([^/:?#]+)", url)
        if m:
            found.add(m.group(1))
    for h in sorted(found):
        print(h)


def charts(path, ids):
    dom = open(path, encoding="utf-8").read()
    for i in ids:
        found = re.findall(r'<svg[^>]*\bid="%s".*?</svg>' % re.escape(i), dom, re.DOTALL)
        if len(found) != 1:
            fail(f"{path}: {len(found)} <svg> elements with id {i}, expected 1")
        texts = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", found[0]))
        if not re.search("[\u4e00-\u9fff]", texts):
            fail(f"{path}: the chart {i} has no Chinese text")
    print(len(re.findall(r"<svg\b", dom)))


def differ(a, b):
    if png_pixels(a)[3] == png_pixels(b)[3]:
        fail(f"{a} and {b} have the same pixels: the Chinese text is drawn as missing glyphs")


def offline(path):
    html = open(path, encoding="utf-8").read()
    bad = [
        (r"<script\b", "a <script> element"),
        (r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", "an external src or href"),
        (r"url\(\s*['\"]?(?:https?:)?//", "an external url() in CSS"),
        (r"@import\b", "a CSS @import"),
        (r"<(?:iframe|object|embed)\b", "an embedded document"),
    ]
    for pattern, what in bad:
        m = re.search(pattern, html, re.IGNORECASE)
        if m:
            fail(f"{path} has {what}: {html[max(0, m.start() - 40):m.end() + 40]!r}")


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "png":
        png(path)
    elif cmd == "hosts":
        hosts(path)
    elif cmd == "charts":
        charts(path, sys.argv[3:])
    elif cmd == "differ":
        differ(path, sys.argv[3])
    elif cmd == "offline":
        offline(path)
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
