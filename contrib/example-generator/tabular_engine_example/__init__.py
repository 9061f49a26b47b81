"""An example third-party generator for tabular-engine: independent marginals."""
