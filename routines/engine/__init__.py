"""The routine engine: occurrences, the outbox and its dispatch, acknowledgements, notices."""
