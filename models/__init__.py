"""Beanie documents and the repositories that hold every MongoDB query."""
