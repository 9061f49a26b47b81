"""The deepecho generator from the command line: one series, --sequence-index, no key."""

from __future__ import annotations

import pandas as pd


def test_generate_one_series_from_the_command_line(cli, bank_calls, tmp_path):
    source = tmp_path / "calls.csv"
    bank_calls.iloc[:300].to_csv(source, index=False)
    output = tmp_path / "synthetic.csv"
    result = cli(
        "generate",
        source,
        "-g",
        "deepecho",
        "--sequence-index",
        "DateTime",
        "--sequences",
        "1",
        "-o",
        output,
        "--seed",
        "4",
        "-p",
        "epochs=1",
        "-p",
        "segment_size=60",
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 1 sequence(s), 300 rows" in result.stderr
    frame = pd.read_csv(output)
    assert list(frame.columns) == ["DateTime", "Calls"]
    stamps = pd.to_datetime(frame["DateTime"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    assert stamps.is_monotonic_increasing and stamps.is_unique


def test_rows_are_refused(cli, bank_calls, tmp_path):
    source = tmp_path / "calls.csv"
    bank_calls.iloc[:100].to_csv(source, index=False)
    output = tmp_path / "synthetic.csv"
    result = cli("generate", source, "-g", "deepecho", "-n", "100", "-o", output)
    assert result.returncode == 2
    assert "ask for --sequences N" in result.stderr
    assert not output.exists()
