"""foia: the runner package — inventory, routing, executors, store, exports, audit and CLI."""

__version__ = "0.1.0"
