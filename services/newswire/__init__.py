"""newswire: event-sourced newswire ingestion for conflict monitoring."""

__version__ = "0.1.0"
__all__ = ["__version__"]
