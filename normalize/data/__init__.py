"""Hand knowledge as data files, each citing its source."""
