"""The console front end: the embedded default when no chat platform is configured."""
