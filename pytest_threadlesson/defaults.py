"""Defaults shared by the engine and the plugin, in a module that imports nothing: the
plugin reads them at start-up without loading the engine (an inactive plugin costs
nothing measurable)."""

DEFAULT_SCHEDULES = 100
STRATEGIES = ("random", "pct", "systematic", "dpor")
DEFAULT_STRATEGY = "random"
DEFAULT_LEAK_GRACE = 0.5  # seconds a thread may take to finish after its test
DEFAULT_DEADLOCK_TIMEOUT = 10.0  # seconds without progress before the backstop fires
