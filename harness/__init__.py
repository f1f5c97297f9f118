"""harness: zero-shot cross-lingual transfer on XTREME, with intermediate-task training."""

__version__ = "0.1.0"
