"""The gaussian_copula generator for tabular-engine: copulas + rdt, no torch."""
