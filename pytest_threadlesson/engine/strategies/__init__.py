"""The strategies, one module each: the oracle that decides, at every scheduling point,
which thread goes next. A strategy sees thread ids (0 is the scenario's own thread, then
the threads in start order) and the runnable set, never the engine's thread records; the
controlled run (`engine/controlled.py`) converts between the two in one place.

`base` holds the interface, the records of a schedule taken (`Choice`, `Preemption`) and
`make_strategy`; `random_walk`, `pct`, `systematic` and `replay` one strategy each.
"""
