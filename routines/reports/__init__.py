"""Adherence reports: figures, streamed detail rows, formats and the recorded export."""
