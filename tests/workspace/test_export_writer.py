"""The bundle's zip writer: large files stream through a second thread, byte for byte as
the csv module writes them, and an error on either side stops the export in words."""

import csv
import hashlib
import io
import zipfile

import pytest

from workspace.exports.bundle import BundleWriter, _Background


def rows(n: int):
    for i in range(n):
        yield (i, f"title, with a comma {i}", 'a "quoted" word\nand a line', "=1+1", None, 1.5)


def expected_csv(header, n: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows(n):
        writer.writerow(["'=1+1" if v == "=1+1" else ("" if v is None else v) for v in row])
    return buffer.getvalue().encode("utf-8")


def test_a_csv_larger_than_several_blocks_is_written_whole_and_hashed():
    n = 3 * _Background.BLOCK // 60  # about three blocks of text
    stream = io.BytesIO()
    writer = BundleWriter(stream)
    header = ("id", "title", "note", "formula", "empty", "number")
    assert writer.write_csv("data/big.csv", header, rows(n)) == n
    writer.close()
    data = zipfile.ZipFile(stream).read("data/big.csv")
    assert len(data) > 2 * _Background.BLOCK
    assert data == expected_csv(header, n)
    assert writer.hashes["data/big.csv"] == hashlib.sha256(data).hexdigest()


def test_an_error_in_the_rows_stops_the_file_and_reaches_the_caller():
    def failing():
        yield from rows(_Background.BLOCK // 20)
        raise ValueError("study 7 has no name")

    writer = BundleWriter(io.BytesIO())
    with pytest.raises(ValueError, match="study 7 has no name"):
        writer.write_csv("data/bad.csv", ("a",), failing())
    assert "data/bad.csv" not in writer.hashes


class FullDisk(io.RawIOBase):
    def __init__(self, room: int):
        self.room = room

    def writable(self):
        return True

    def seekable(self):
        return False

    def write(self, data):
        self.room -= len(data)
        if self.room < 0:
            raise OSError(28, "No space left on device")
        return len(data)


def test_an_error_writing_the_zip_reaches_the_caller_instead_of_hanging():
    writer = BundleWriter(FullDisk(room=100_000))
    with pytest.raises(OSError, match="No space left"):
        writer.write_csv("data/big.csv", ("a",), ((f"row {i} " * 20,) for i in range(200_000)))
    assert "data/big.csv" not in writer.hashes
    with pytest.raises(OSError, match="No space left"):  # the disk is still full
        writer.close()
