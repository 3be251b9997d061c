"""Annotations: loading and checking the YAML files, quotes, mentions in text, and curation (minimal YAML edits)."""
