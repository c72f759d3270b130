"""EventAPI's drift catalogue: deliberate changes the contract must catch (`make drift`)."""
