"""A self-contained HTML report: no script, no stylesheet or font from anywhere else.

Pictures are PNGs drawn with matplotlib (Agg) and embedded as base64 ``data:`` URIs, so
the file works offline, by e-mail, in a CI artifact. It shows the release gate, the
overall scores, real vs synthetic distributions of each column and the correlation
matrices of real and synthetic data side by side, then every score in a table.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabular_engine.evaluation import ScoreGroup

if TYPE_CHECKING:
    import pandas as pd
    from tabular_engine.evaluation import Evaluation, GateResult
    from tabular_engine.metadata import Metadata, Table

#: Columns drawn per table (the most informative first: the report stays readable).
MAX_COLUMNS = 40
MAX_CATEGORIES = 12
REAL_COLOR = "#1f77b4"
SYNTHETIC_COLOR = "#ff7f0e"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1100px; color: #222; background: #fff; }
h1 { margin-bottom: 0.2rem; } .muted { color: #666; }
.gate { padding: 1rem 1.5rem; border-radius: 8px; font-size: 1.2rem; margin: 1rem 0; }
.pass { background: #e3f6e5; border: 2px solid #2e7d32; }
.fail { background: #fdecea; border: 2px solid #c62828; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { flex: 1; min-width: 180px; border: 1px solid #ddd; border-radius: 8px; padding: 1rem; }
.card .value { font-size: 2rem; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 0.5rem; }
img { max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #eee; padding: 0.3rem 0.5rem; text-align: left; }
"""


def render_report(
    path: Path,
    evaluation: Evaluation,
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    gate: GateResult | None,
) -> Path:
    """Write the report to ``path`` atomically and return it."""
    import matplotlib
    from tabular_engine.io import atomic_path

    matplotlib.use("Agg", force=True)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Synthetic data report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Synthetic data report</h1>",
        f"<p class='muted'>{html.escape(_now())} · tables: {html.escape(', '.join(real))}</p>",
        _gate_section(gate),
        _cards(evaluation),
    ]
    for name in real:
        table = metadata.tables[name]
        parts.append(f"<h2>Table {html.escape(name)}</h2>")
        parts.append("<h3>Real vs synthetic, column by column</h3><div class='grid'>")
        for column in _columns(table, real[name])[:MAX_COLUMNS]:
            image = _distribution(real[name][column], synthetic[name][column], column, table)
            parts.append(f"<img alt='distribution of {html.escape(column)}' src='{image}'>")
        parts.append("</div>")
        correlations = _correlations(real[name], synthetic[name], table)
        if correlations:
            parts.append("<h3>Correlations (real | synthetic)</h3>")
            parts.append(f"<img alt='correlation matrices' src='{correlations}'>")
    parts.append(_score_table(evaluation))
    parts.append("</body></html>")
    with atomic_path(path) as temporary:
        temporary.write_text("\n".join(parts), encoding="utf-8")
    return path


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _gate_section(gate: GateResult | None) -> str:
    if gate is None:
        return "<div class='gate'>No release gate was applied.</div>"
    css = "pass" if gate.passed else "fail"
    title = "Release gate: PASSED" if gate.passed else "Release gate: FAILED"
    lines = [
        f"quality {_fmt(gate.quality)} (needs ≥ {gate.gate.min_quality:.2f})",
        f"privacy {_fmt(gate.privacy)} (needs ≥ {gate.gate.min_privacy:.2f})",
        *gate.failures,
    ]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f"<div class='gate {css}'><strong>{title}</strong><ul>{items}</ul></div>"


def _cards(evaluation: Evaluation) -> str:
    cards = [
        ("Quality", evaluation.quality, "SDMetrics quality report: column shapes and pair trends"),
        ("Diagnostic", evaluation.diagnostic, "SDMetrics diagnostic report: validity, structure"),
        ("Privacy", evaluation.privacy, "1 - highest Anonymeter risk (singling out, linkability)"),
    ]
    body = "".join(
        f"<div class='card'><div>{title}</div><div class='value'>{_fmt(value)}</div>"
        f"<div class='muted'>{html.escape(text)}</div></div>"
        for title, value, text in cards
    )
    return f"<div class='cards'>{body}</div>"


def _columns(table: Table, frame: pd.DataFrame) -> list[str]:
    return [n for n, c in table.columns.items() if c.sdtype != "id" and n in frame]


def _png(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _distribution(real: pd.Series, synthetic: pd.Series, column: str, table: Table) -> str:
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    from tabular_engine.validation import parse_datetimes

    sdtype = table.columns[column].sdtype
    figure, axes = plt.subplots(figsize=(4.2, 2.8))
    if sdtype == "datetime":
        both = parse_datetimes(pd.DataFrame({column: pd.concat([real, synthetic])}), table)[column]
        real, synthetic = both.iloc[: len(real)], both.iloc[len(real) :]
    numeric = sdtype in ("numerical", "datetime") and (
        pd.api.types.is_numeric_dtype(real.dtype) or pd.api.types.is_datetime64_any_dtype(real)
    )
    if numeric:
        values_real = pd.to_numeric(real.dropna(), errors="coerce").dropna().astype(float)
        values_syn = pd.to_numeric(synthetic.dropna(), errors="coerce").dropna().astype(float)
        finite = np.concatenate([values_real.to_numpy(), values_syn.to_numpy()])
        finite = finite[np.isfinite(finite)]
        bins = np.histogram_bin_edges(finite, bins=30) if len(finite) else 10
        axes.hist(values_real, bins=bins, density=True, alpha=0.55, label="real", color=REAL_COLOR)
        axes.hist(
            values_syn,
            bins=bins,
            density=True,
            alpha=0.55,
            label="synthetic",
            color=SYNTHETIC_COLOR,
        )
    else:
        shares_real = (
            real.astype(object).fillna("<missing>").astype(str).value_counts(normalize=True)
        )
        shares_syn = (
            synthetic.astype(object).fillna("<missing>").astype(str).value_counts(normalize=True)
        )
        top = list(shares_real.index[:MAX_CATEGORIES])
        positions = np.arange(len(top))
        axes.bar(
            positions - 0.2,
            [shares_real.get(k, 0) for k in top],
            0.4,
            label="real",
            color=REAL_COLOR,
        )
        axes.bar(
            positions + 0.2,
            [shares_syn.get(k, 0) for k in top],
            0.4,
            label="synthetic",
            color=SYNTHETIC_COLOR,
        )
        axes.set_xticks(positions, [str(k)[:12] for k in top], rotation=45, ha="right")
    axes.set_title(column)
    axes.legend(fontsize=8)
    return _png(figure)


def _correlations(real: pd.DataFrame, synthetic: pd.DataFrame, table: Table) -> str | None:
    """Pearson correlations of numerical columns (categorical ones by their codes)."""
    import matplotlib.pyplot as plt
    import pandas as pd

    columns = [
        n
        for n in _columns(table, real)
        if table.columns[n].sdtype in ("numerical", "categorical", "boolean")
    ][:MAX_COLUMNS]
    if len(columns) < 2:
        return None

    def encoded(frame: pd.DataFrame) -> pd.DataFrame:
        result = {}
        for name in columns:
            series = frame[name]
            if table.columns[name].sdtype == "numerical" and pd.api.types.is_numeric_dtype(series):
                result[name] = series.astype(float)
            else:
                categories = sorted(real[name].dropna().astype(str).unique())
                mapping = {category: code for code, category in enumerate(categories)}
                codes = series.dropna().astype(str).map(mapping)
                result[name] = codes.reindex(series.index).astype(float)
        return pd.DataFrame(result).corr()

    size = max(5.0, 0.35 * len(columns) + 3)
    figure, axes = plt.subplots(1, 2, figsize=(2 * size, size))
    image = None
    for ax, frame, title in ((axes[0], real, "real"), (axes[1], synthetic, "synthetic")):
        matrix = encoded(frame)
        image = ax.imshow(matrix.fillna(0).to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=8)
        ax.set_yticks(range(len(columns)), columns, fontsize=8)
        ax.set_title(title)
    figure.colorbar(image, ax=list(axes), shrink=0.7)
    return _png(figure)


def _score_table(evaluation: Evaluation) -> str:
    rows = []
    for group in ScoreGroup:
        for score in evaluation.by_group(group):
            detail = score.details.get("property") or score.details.get("metric") or ""
            if "risk" in score.details and "risk_ci" in score.details:
                low, high = score.details["risk_ci"]
                detail = f"risk {score.details['risk']:.3f} (95% CI {low:.3f} to {high:.3f})"
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(cell))}</td>"
                    for cell in (
                        group.value,
                        score.name,
                        score.table or "",
                        score.column or "",
                        _fmt(score.value),
                        detail,
                    )
                )
                + "</tr>"
            )
    head = "".join(
        f"<th>{h}</th>" for h in ("group", "score", "table", "column", "value", "details")
    )
    return f"<h2>All scores</h2><table><tr>{head}</tr>{''.join(rows)}</table>"
