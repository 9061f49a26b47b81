"""tabular-engine-quality: SDMetrics quality and diagnostic reports, Anonymeter privacy risks,
and a self-contained HTML report, behind the core's ``evaluate`` and ``write_report`` hooks."""

__version__ = "0.1.0"
