"""Edits of ReleaseMap entries: ``enable-app``, ``disable-app``, ``override``."""
