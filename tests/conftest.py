"""Our own tests: `pytester` for the plugin, plain calls for the engine."""
