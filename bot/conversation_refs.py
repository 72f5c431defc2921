"""Bot-side table: conversation references for proactive messages (Teams needs them)."""
