"""Spreadsheets as leads send them: what cannot be read is named precisely."""

from __future__ import annotations


def test_a_byte_that_no_encoding_reads_is_named_with_its_offset(root_copy, tmp_path, cli):
    # 0xE9 is 'é' in Windows-1252 (not UTF-8); 0x81 is undefined in both: the file is neither.
    content = "indicator;territory;date;value\npeople-trained;north;2023;1".encode() + b"\xe9\x81\n"
    path = tmp_path / "alpha.csv"
    path.write_bytes(content)
    code, _, err = cli("import", path, "--coalition", "alpha", "--root", root_copy)
    assert code == 1
    offset = content.index(b"\x81")
    assert f"alpha.csv: found 'byte 0x81 at offset {offset}', expected a CSV file in UTF-8 or Windows-1252" in err, err
    assert "Traceback" not in err
