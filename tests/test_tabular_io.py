"""Reading tables: every bad file gets one line naming the file and the place."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axon.tabular import io as table_io
from axon.tabular.io import TableError, _CheckedReader, _first_ragged, read_table


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("short.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n", ", line 3: 2 field(s) where the "),
        (
            "long.csv",
            b"a,b,c\n1,2,3\n4,5,6,7\n",
            ", line 3: 4 field(s) where the header",
        ),
        ("last.csv", b"a,b\n1,2\n3", ", line 3: 1 field(s) where the header has 2;"),
        ("quoted.csv", b'a,b,c\n1,"x\ny",3\n4,5\n', ", line 4: 2 field(s)"),
        ("tabs.tsv", b"a\tb\n1\t2\n3\t4\t5\n", ", line 3: 3 field(s) where the header"),
        (
            "latin.csv",
            b"a,b\n1,2\n3,caf\xe9\n",
            " is not UTF-8 text (byte 0xe9 on line 3)",
        ),
        ("zip.csv", b"PK\x03\x04\x00\x00\x00rest", " is a binary file, not CSV text"),
        ("empty.csv", b"", " is empty"),
        ("blank.csv", b"\n \n\r\n", " is empty"),
        ("header.csv", b"a,b,c\n", " has a header (a, b, c) but no rows"),
        ("dup.csv", b"a,b,a\n1,2,3\n", ": the column name 'a' appears 2 times in "),
        (
            "table.json",
            b"{}",
            ": expected a .csv, .tsv or .parquet file. Received: .json",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_it(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(TableError) as error:
        read_table(path)
    text = str(error.value)
    assert text.startswith(str(path)) and message in text
    assert "\n" not in text and isinstance(error.value, ValueError)


def test_a_missing_file_and_a_folder_are_named(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"nope\.csv: no such file$"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(TableError, match="is a folder, not a table"):
        read_table(tmp_path)


def test_good_csv_reads_as_pandas_does(tmp_path: Path) -> None:
    # quoted separators and line breaks, CRLF, a blank line, a BOM, no final newline
    data = b'\xef\xbb\xbfa,b,c\r\n1,"x, y",2\r\n2,"two\nlines",\r\n\r\n4,"say ""hi""",5'
    frame = read_table(write(tmp_path, "ok.csv", data))
    expected = pd.read_csv(io.BytesIO(data))
    pd.testing.assert_frame_equal(frame, expected)
    assert list(frame.columns) == ["a", "b", "c"] and len(frame) == 3


def test_a_quote_inside_a_plain_field_is_text_not_a_ragged_row(tmp_path: Path) -> None:
    # The fast scan's quote parity flips on 12"; the exact reader settles it.
    frame = read_table(write(tmp_path, "inch.csv", b'a,b\n12" pipe,3\n4,5\n'))
    assert frame["a"].tolist() == ['12" pipe', "4"]
    with pytest.raises(TableError, match=r"line 3: 3 field\(s\)"):
        read_table(write(tmp_path, "inch2.csv", b'a,b\n12" pipe,3\n4,5,6\n'))


def test_parquet_round_trip_and_its_errors(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.5, None], "c": ["a", "b"], "f": [True, False]})
    frame.to_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.parquet"), frame)
    bad = write(tmp_path, "bad.parquet", b"not parquet at all")
    with pytest.raises(TableError, match=r"bad\.parquet is not a Parquet file"):
        read_table(bad)
    pd.DataFrame({"x": []}).to_parquet(tmp_path / "none.parquet")
    with pytest.raises(TableError, match=r"has a header \(x\) but no rows"):
        read_table(tmp_path / "none.parquet")


def test_a_big_file_shows_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "t.csv", b"a,b\n" + b"1,2\n" * 1000)
    monkeypatch.setattr(table_io, "PROGRESS_MIN_BYTES", 100)
    assert len(read_table(path, progress=True)) == 1000
    assert "Reading t.csv" in capsys.readouterr().err
    assert len(read_table(path)) == 1000  # progress is asked for, never forced
    assert "Reading" not in capsys.readouterr().err


def test_a_ragged_row_far_into_a_big_file_is_found(tmp_path: Path) -> None:
    rows = b"".join(b'%d,"s,%d",%d\n' % (i, i, i) for i in range(60_000))
    path = write(tmp_path, "big.csv", b"a,b,c\n" + rows + b"1,2\n")
    with pytest.raises(TableError, match=r"line 60002: 2 field\(s\)"):
        read_table(path)


# Fields that are plain, or quoted with separators, quotes and line breaks inside.
field = st.one_of(
    st.text(alphabet="ab1 ", max_size=3),
    st.text(alphabet='ab,"\n', max_size=4).map(
        lambda t: '"' + t.replace('"', '""') + '"'
    ),
)
record = st.lists(field, min_size=1, max_size=4).map(",".join)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(record, min_size=1, max_size=12),
    crlf=st.booleans(),
    block=st.integers(min_value=1, max_value=9),
)
def test_the_fast_scan_agrees_with_python_csv_at_any_block_size(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[str],
    crlf: bool,
    block: int,
) -> None:
    text = ("\r\n" if crlf else "\n").join(records) + "\n"
    data = text.encode()
    reader = _CheckedReader(io.BytesIO(data), ",")
    try:
        while reader.read(block):
            pass
    except table_io._Stop:
        pass
    path = tmp_path_factory.mktemp("scan") / "t.csv"
    path.write_bytes(data)
    exact = _first_ragged(path, ",")
    if reader.ragged is None:
        assert exact is None
    else:
        assert exact is not None and reader.ragged == exact[:2]
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    header = next((r for r in parsed if r), None)  # blank lines come before it
    assert reader.expected == (None if header is None else len(header))


def test_the_scan_costs_a_few_numpy_calls_per_block() -> None:
    # Vectorised: one 256 KiB block of 40,000 records is scanned in one call.
    data = b"a,b\n" + b"1,2\n" * 40_000
    reader = _CheckedReader(io.BytesIO(data), ",")
    assert len(reader.read(len(data))) == len(data)
    assert reader.expected == 2 and reader.ragged is None
    assert reader.lines_seen == 40_002 and np.isscalar(reader.lines_seen)
