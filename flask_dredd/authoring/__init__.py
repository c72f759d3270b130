"""What authors use: project, inventory, check, scaffold, drift, record, init."""
