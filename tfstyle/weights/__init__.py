"""Shipped weights: the preset registry (presets.json), loading presets and .keras files."""
