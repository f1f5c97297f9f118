"""Uncertainty of benchmark numbers: the paired bootstrap over test items (numpy only, no torch)."""
