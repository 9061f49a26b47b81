"""The tvae generator for tabular-engine: the ctgan library's TVAE."""
