"""The data folder: the crash-safe data files, the hot file and its monthly archives, the run lock, the keys and the private links' tokens."""
