"""A contract run: preflight, database, server, Dredd, watchdog, outcome; parallel shards."""
