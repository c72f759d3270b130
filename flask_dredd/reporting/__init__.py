"""Events and reporters: console, run.json, xunit, HTML, and the merge of shards."""
