"""The deepecho generator for tabular-engine: deepecho's BasicGANModel for sequences."""
