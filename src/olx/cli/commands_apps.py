"""Application and entry commands (filled in below)."""
