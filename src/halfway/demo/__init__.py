"""The built-in demo: the answers `run --demo` gives for you, and the story `demo-data` plays."""
