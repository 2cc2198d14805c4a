"""The pytest glue: settings, the per-test protocol, fixtures and the kata summary. It reads
settings, calls the engine, and turns the engine's findings into test outcomes; the engine
(`pytest_threadlesson.engine`) knows nothing of pytest."""
