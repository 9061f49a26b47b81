"""The par generator for tabular-engine: SDV's PARSynthesizer for sequential data."""
