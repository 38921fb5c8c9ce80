"""The HTML report in a real browser: headless Chromium opens the file offline, the DOM it built
holds both SVG charts, and the screenshot shows every bar colour in area, not just the legend.

Chromium is Debian's `chromium` package (`/usr/bin/chromium`). A developer machine without it
skips this test and says so; in CI (`CI=true`) a missing browser fails it, because `.ci/run`
installs it there.
"""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.app.report import render_html
from controller.app.report.charts import BUCKET_COLOURS, HISTORY_SERIES
from tests.report_fixture import make_report

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1280, 2000)
BROWSER_TIMEOUT_SECONDS = 40
# One seat of the largest product is ~80 x 26 screen pixels; a legend swatch is ~14 x 14. More
# than this many pixels of a colour means a bar of it was drawn, not only its legend entry.
BAR_PIXELS = 1000


def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    why = f"{CHROMIUM} is missing (Debian's `chromium` package: apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {why}; .ci/run installs it before `make test`")
    pytest.skip(f"no headless browser for the HTML report test: {why}")


def run_chromium(browser: Path, page: Path, profile: Path, *extra: str) -> str:
    """Run headless Chromium offline on `page`; its stdout. A fresh profile, no sync, no
    background fetches, and HOME in the temporary directory, so nothing of the user's leaks in."""
    done = subprocess.run(
        [
            str(browser),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_SECONDS,
        check=False,
        env={**os.environ, "HOME": str(profile.parent)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# --- reading a PNG with the standard library -----------------------------------------------


def png_rows(data: bytes) -> tuple[int, Iterator[bytes]]:
    """Bytes per pixel and the unfiltered scanlines of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, bytes] = {}
    position = 8
    idat = bytearray()
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IDAT":
            idat += body
        chunks.setdefault(kind, body)
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) in {(8, 2), (8, 6)}, "only 8-bit RGB and RGBA are read"
    assert (width, height) == WINDOW
    pixel = 3 if colour_type == 2 else 4
    return pixel, _unfiltered(zlib.decompress(bytes(idat)), width * pixel, height, pixel)


def _unfiltered(raw: bytes, stride: int, height: int, pixel: int) -> Iterator[bytes]:
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, pixel)
        yield bytes(line)
        previous = line


def _unfilter(kind: int, line: bytearray, above: bytearray, pixel: int) -> None:
    """Undo one scanline's filter in place (PNG spec 9.2); one loop per kind, for speed."""
    size = len(line)
    if kind == 1:
        for i in range(pixel, size):
            line[i] = (line[i] + line[i - pixel]) & 0xFF
    elif kind == 2:
        for i in range(size):
            line[i] = (line[i] + above[i]) & 0xFF
    elif kind == 3:
        for i in range(size):
            left = line[i - pixel] if i >= pixel else 0
            line[i] = (line[i] + (left + above[i]) // 2) & 0xFF
    elif kind == 4:
        for i in range(size):
            left, up_left = (line[i - pixel], above[i - pixel]) if i >= pixel else (0, 0)
            line[i] = (line[i] + _paeth(left, above[i], up_left)) & 0xFF


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def colour_counts(png: bytes, colours: set[str]) -> Counter[str]:
    wanted = {bytes.fromhex(c.removeprefix("#")): c for c in colours}
    pixel, rows = png_rows(png)
    counts: Counter[str] = Counter()
    for row in rows:
        for x in range(0, len(row), pixel):
            found = wanted.get(row[x : x + 3])
            if found:
                counts[found] += 1
    return counts


# --- the test -------------------------------------------------------------------------------


def test_chromium_renders_both_charts_of_the_html_report(tmp_path: Path) -> None:
    browser = chromium()
    page = tmp_path / "report.html"
    page.write_text(render_html(make_report()), encoding="utf-8")

    dom = run_chromium(browser, page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.count('<svg class="chart"') == 2
    assert dom.count("<rect ") > 20
    assert "License and access report" in dom

    shot = tmp_path / "report.png"
    run_chromium(browser, page, tmp_path / "profile-shot", f"--screenshot={shot}")
    colours = {*BUCKET_COLOURS.values(), *(colour for _, _, colour in HISTORY_SERIES)}
    counts = colour_counts(shot.read_bytes(), colours)
    thin = {colour: counts[colour] for colour in colours if counts[colour] < BAR_PIXELS}
    assert not thin, f"bars missing from the screenshot (pixels per colour): {thin}"


def test_the_png_reader_reads_what_it_is_given() -> None:
    width, height = WINDOW
    # A red image, every row filtered with Up except the first (None): the reader must undo it.
    first = b"\x00" + b"\xb2\x18\x2b" * width
    raw = first + (b"\x02" + bytes(3 * width)) * (height - 1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw))
    png += _chunk(b"IEND", b"")
    assert colour_counts(png, {"#b2182b"}) == Counter({"#b2182b": width * height})


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def test_without_chromium_the_test_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(f"{__name__}.CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI=true but .* \.ci/run installs it"):
        chromium()
