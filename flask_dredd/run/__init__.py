"""One contract run: contract phase, database, server, Dredd, outcome; parallel shards.

Owns what a run is given (`config`), dredd.yml read and written (`dredd_config`), the
phases (`preflight`, `database`, `server`, `runner`), the watch over Dredd
(`watchdog`, `inflight`, `lifetime`), the exit code (`outcome`), exclusivity (`locks`)
and `--parallel` (`parallel`, `shard_databases`). The runner emits events; it renders
nothing itself (`flask_dredd.reporting`). Never imports `authoring` or `cli`.
"""
