"""The smartnoise generator for tabular-engine (smartnoise-synth, OpenDP) and the
privacy-budget backends: an embedded SQLite ledger, or a client of the aumos privacy engine."""
