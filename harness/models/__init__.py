"""Encoders: the tiny local XLM-R builder, loading by folder or hub id, offline model import."""
