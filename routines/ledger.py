"""The append-only, hash-chained evidence ledger (`ledger_entries`)."""
