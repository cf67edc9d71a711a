"""olx: safe, verified edits of an Open edX version matrix."""

__version__ = "0.1.0"
