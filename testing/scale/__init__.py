"""Multi-process scale helpers: replica clusters, click bursts, a TCP proxy, database probes."""
