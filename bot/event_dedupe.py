"""Bot-side table: platform event ids already handled, so retries are answered once."""
