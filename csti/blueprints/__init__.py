"""One blueprint per content type or concern (DESIGN §2)."""
