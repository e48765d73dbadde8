"""Time and peak memory of the guarded spreadsheet reader, on a big honest sheet and on bombs.

    .venv/bin/python bench/imports.py            # every case, a table in Markdown
    .venv/bin/python bench/imports.py --runs 3   # the median of 3 runs per case

Each case runs in a fresh Python process (so its peak resident memory is
its own), reading one file through ``core.spreadsheets.read_spreadsheet``
as an upload would be read, and reports the outcome: the number of rows
read, or the error code it was refused with. The files are written first
into a temporary folder; the bombs are the shapes of issue 12 (a small file
that unpacks into one huge string, into millions of shared strings, into a
million rows, into a cell at the last row and column).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{SHEET_TYPE}.sharedStrings+xml"/>
</Types>"""
PACKAGE_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1"
Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE_REL}">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
HEADER_STRINGS = ["Họ và tên", "Email", "Mã đơn vị"]


def _write_workbook(path: Path, sheet_chunks, string_chunks, *, stored: bool = False) -> None:
    """A workbook whose sheet and shared strings XML are streamed from generators (never whole in memory).

    ``stored`` leaves the parts uncompressed: a ratio of 1, so only the
    streaming checks of the XML can refuse it.
    """
    compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", compression, compresslevel=None if stored else 9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet_chunks), ("xl/sharedStrings.xml", string_chunks)):
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk.encode())


def _strings(values):
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
    for value in values:
        yield f"<si><t>{value}</t></si>"
    yield "</sst>"


def _sheet(rows):
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


def _header_row() -> str:
    return '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'


def make_rows_10000(path: Path) -> None:
    """The honest case: a delegate list of 10,000 rows, every cell a distinct string."""

    def rows():
        yield _header_row()
        for n in range(10_000):
            base = 3 + 3 * n
            yield (
                f'<row r="{n + 2}"><c r="A{n + 2}" t="s"><v>{base}</v></c><c r="B{n + 2}" t="s"><v>{base + 1}</v></c>'
                f'<c r="C{n + 2}" t="s"><v>{base + 2}</v></c></row>'
            )

    def values():
        yield from HEADER_STRINGS
        for n in range(10_000):
            yield from (f"Nguyễn Văn Đại Biểu {n}", f"dai.bieu{n}@example.vn", "DANANG-STTTT")

    _write_workbook(path, _sheet(rows()), _strings(values()))


def make_one_huge_string(path: Path) -> None:
    """One cell holding a 100 MB string (reported: 101 KB on disk, 1.1 GB of worker memory)."""

    def strings():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
        for value in HEADER_STRINGS:
            yield f"<si><t>{value}</t></si>"
        yield "<si><t>"
        for _ in range(100):
            yield "x" * (1 << 20)
        yield "</t></si></sst>"

    rows = [_header_row(), '<row r="2"><c r="A2" t="s"><v>3</v></c></row>']
    _write_workbook(path, _sheet(rows), strings())


def make_two_million_strings(path: Path) -> None:
    """Two million shared strings (reported: an 82 KB file, 25 s a request)."""
    values = (*HEADER_STRINGS, *("a" for _ in range(2_000_000)))
    _write_workbook(path, _sheet([_header_row()]), _strings(values))


def _with_header(rows):
    yield _header_row()
    yield from rows


def make_million_rows(path: Path) -> None:
    """A million rows of one cell each."""
    rows = (f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(2, 1_000_002))
    _write_workbook(path, _sheet(_with_header(rows)), _strings(HEADER_STRINGS))


def make_wide_rows(path: Path) -> None:
    """5,000 rows, each with a cell in every one of Excel's 16,384 columns."""
    cells = "".join('<c t="s"><v>0</v></c>' for _ in range(16_384))
    rows = (f'<row r="{n}">{cells}</row>' for n in range(2, 5_002))
    _write_workbook(path, _sheet(_with_header(rows)), _strings(HEADER_STRINGS))


def _numbered_rows(count: int, width: int):
    """Rows of distinct numbers, so they compress like real data (about 10×), not like a bomb."""
    for row in range(2, count + 2):
        cells = "".join(f"<c><v>{row * width + column}</v></c>" for column in range(width))
        yield f'<row r="{row}">{cells}</row>'


def make_full_sheet(path: Path) -> None:
    """Close to the most the reader accepts: 10,000 rows of 19 cells (with the header, 190,003 cells)."""
    _write_workbook(path, _sheet(_with_header(_numbered_rows(10_000, 19))), _strings(HEADER_STRINGS))


def make_dense_sheet(path: Path) -> None:
    """2,000 rows of 1,000 cells: under the size, ratio, row and column limits, over the cell count."""
    _write_workbook(path, _sheet(_with_header(_numbered_rows(2_000, 1_000))), _strings(HEADER_STRINGS))


def make_stored_rows(path: Path) -> None:
    """4.7 MB uncompressed: 90,000 rows, refused while the sheet streams."""
    rows = (f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(2, 90_002))
    _write_workbook(path, _sheet(_with_header(rows)), _strings(HEADER_STRINGS), stored=True)


def make_stored_wide_row(path: Path) -> None:
    """4.9 MB uncompressed: one row of 240,000 cells."""
    cells = "".join('<c t="s"><v>0</v></c>' for _ in range(240_000))
    _write_workbook(path, _sheet(_with_header([f'<row r="2">{cells}</row>'])), _strings(HEADER_STRINGS), stored=True)


def make_stored_strings(path: Path) -> None:
    """4.7 MB uncompressed: 205,000 shared strings."""
    values = (*HEADER_STRINGS, *(f"s{n}" for n in range(205_000)))
    _write_workbook(path, _sheet([_header_row()]), _strings(values), stored=True)


def make_far_corner(path: Path) -> None:
    """The header, then one cell at the very last row and column (XFD1048576)."""
    rows = [_header_row(), '<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>']
    _write_workbook(path, _sheet(rows), _strings(HEADER_STRINGS))


CASES = {
    "10,000-row delegate list": make_rows_10000,
    "10,000 rows × 19 cells": make_full_sheet,
    "2,000 rows × 1,000 cells": make_dense_sheet,
    "one 100 MB string": make_one_huge_string,
    "2,000,000 shared strings": make_two_million_strings,
    "1,000,000 rows": make_million_rows,
    "5,000 rows × 16,384 cells": make_wide_rows,
    "a cell at XFD1048576": make_far_corner,
    "90,000 rows, uncompressed": make_stored_rows,
    "one row of 240,000 cells, uncompressed": make_stored_wide_row,
    "205,000 shared strings, uncompressed": make_stored_strings,
}


def measure(path: str) -> dict:
    """Read one file as the registration import reads an upload, but allowing 10,000 rows; in the child process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from core.errors import ServiceError
    from core.spreadsheets import read_spreadsheet
    from events.imports import COLUMNS, MAX_UPLOAD_BYTES

    data = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        sheet = read_spreadsheet(data, filename="a.xlsx", columns=COLUMNS, max_bytes=MAX_UPLOAD_BYTES, max_rows=10_000)
        outcome = f"read {len(sheet.rows):,} rows"
    except ServiceError as error:
        outcome = f"refused: `{error.code}`"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_mb": peak / 1024, "growth_mb": (peak - before) / 1024, "outcome": outcome}


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        say(json.dumps(measure(options.measure)))
        return
    say("| case | file size | unpacked | outcome | seconds (median) | peak RSS MB | RSS growth MB |")
    say("|---|---:|---:|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in CASES.items():
            path = Path(folder) / "case.xlsx"
            make(path)
            unpacked = sum(info.file_size for info in zipfile.ZipFile(path).infolist())
            runs = [
                json.loads(
                    subprocess.run(  # noqa: S603 - this script, on a file it wrote
                        [sys.executable, __file__, "--measure", str(path)],
                        check=True,
                        capture_output=True,
                        text=True,
                        cwd=ROOT,
                    ).stdout
                )
                for _ in range(options.runs)
            ]
            seconds = statistics.median(run["seconds"] for run in runs)
            peak = max(run["peak_mb"] for run in runs)
            growth = max(run["growth_mb"] for run in runs)
            say(
                f"| {name} | {path.stat().st_size / 1024:,.0f} KB | {unpacked / (1 << 20):,.1f} MB "
                f"| {runs[0]['outcome']} | {seconds:.2f} | {peak:.0f} | {growth:.0f} |"
            )


if __name__ == "__main__":
    main()
