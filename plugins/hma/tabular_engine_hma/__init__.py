"""The ``hma`` generator: linked tables whose keys join, on SDV's HMASynthesizer."""
