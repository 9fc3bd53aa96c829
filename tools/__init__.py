"""Operator and development tools: never imported by the served code, not in the image."""
