"""Private package; import from the public facades instead."""
