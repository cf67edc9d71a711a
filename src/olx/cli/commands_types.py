"""Edits of the Enums in types.py: ``add-app``, ``set-app``, ``remove-app``, ``set-release``."""
