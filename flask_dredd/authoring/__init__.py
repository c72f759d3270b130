"""Authoring commands: project, inventory, check, scaffold, drift, record (issue #12)."""
