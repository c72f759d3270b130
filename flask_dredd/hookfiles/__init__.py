"""Hook files the engine itself adds to a run (see `flask_dredd.exact.hook`)."""
