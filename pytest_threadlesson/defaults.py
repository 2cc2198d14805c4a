"""Defaults shared by the engine and the plugin, in a module that imports nothing: the
plugin reads them at start-up without loading the engine (an inactive plugin costs
nothing measurable)."""

DEFAULT_SCHEDULES = 100
STRATEGIES = ("random", "pct", "systematic")
