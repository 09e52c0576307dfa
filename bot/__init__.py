"""Composition root: configuration, command line, front ends, the demo."""
