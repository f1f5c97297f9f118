"""Data layer: typed examples, readers for the real XTREME file formats, sources and the mini suite.

Import what you need from the submodules (``harness.data.examples``, ``harness.data.sources``,
``harness.data.mini``); this package imports nothing heavy on its own.
"""
