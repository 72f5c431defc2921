"""Bot-side table: the anonymous question log and 👍/👎 feedback (insights, retention)."""
