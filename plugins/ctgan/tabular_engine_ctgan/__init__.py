"""The ctgan generator for tabular-engine (the ctgan library's CTGAN), and the code the
tvae generator shares with it (``parameters`` and ``backend``)."""
