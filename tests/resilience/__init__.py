"""Resilience: processes killed mid-way, and a soak of concurrent clients (issue 19)."""
