"""Routers per audience. Handlers stay thin: parse, call the platform, shape the answer."""
