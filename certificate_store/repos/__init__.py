"""Repositories: queries and writes, returning `certificate_store.records` dataclasses."""
