"""One blueprint per content type or concern (docs/architecture.md §1)."""
