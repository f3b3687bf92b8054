"""Errors of the composition root (configuration, CLI usage)."""


class EcertError(Exception):
    slug = "error"


class ConfigError(EcertError):
    """Settings are missing or invalid; the process refuses to start."""

    slug = "configuration"


class UsageError(EcertError):
    """A request or command that asks for something invalid (wrong role/department combo…)."""

    slug = "invalid-request"
