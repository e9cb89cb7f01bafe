"""The pure core: polars, tomllib and the standard library only (never textual or rich)."""
