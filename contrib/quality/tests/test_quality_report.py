"""The HTML report: self-contained, and rendered by headless Chromium into a non-blank page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tabular_engine.evaluation import EvaluationOptions, Gate, evaluate, write_report

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def report(tmp_path_factory, credit_small, credit_synthetic, credit_model) -> Path:
    real, synthetic = {"credit": credit_small}, {"credit": credit_synthetic}
    evaluation = evaluate(
        real, synthetic, credit_model.metadata, EvaluationOptions(n_attacks=30, seed=0)
    )
    gate = Gate(min_quality=0.99).check(evaluation)  # a failing gate, shown in red
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, evaluation, real, synthetic, credit_model.metadata, gate)
    return path


def test_report_is_self_contained_with_scores_gate_and_pictures(report, credit_small):
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", text, flags=re.IGNORECASE)
    assert not re.search(r"@import|url\(", text)
    images = re.findall(r"<img [^>]*src='data:image/png;base64,", text)
    assert len(images) == len(credit_small.columns) + 1  # a picture per column + correlations
    assert "Release gate: FAILED" in text and "quality 0." in text
    assert "Correlations (real | synthetic)" in text
    assert "singling_out" in text and "linkability" in text


def test_report_renders_in_headless_chromium(report, tmp_path):
    import numpy as np
    from matplotlib.image import imread

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not found: apt-get install -y chromium (make test does it)")
    screenshot = tmp_path / "report.png"
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--window-size=1200,2000",
            report.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert screenshot.is_file(), result.stderr
    pixels = imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    assert pixels.std() > 0.05  # not a blank page
    # the red "failed" gate box is drawn near the top (its background #fdecea)
    top = pixels[:400].reshape(-1, 3)
    reddish = np.all(np.abs(top - np.array([0xFD, 0xEC, 0xEA]) / 255) < 0.02, axis=1)
    assert reddish.mean() > 0.02
    # real (blue) and synthetic (orange) bars and histograms were drawn
    body = pixels.reshape(-1, 3)
    blue = np.all(np.abs(body - np.array([0x1F, 0x77, 0xB4]) / 255) < 0.08, axis=1)
    orange = np.all(np.abs(body - np.array([0xFF, 0x7F, 0x0E]) / 255) < 0.08, axis=1)
    assert blue.mean() > 0.001 and orange.mean() > 0.001
