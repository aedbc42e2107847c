"""The version of escalade (one place, importable from anywhere)."""

__version__ = "0.1.0"
