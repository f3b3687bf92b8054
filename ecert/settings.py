"""One typed settings object, built once at start-up from the environment.

Domain packages never read settings: the composition root passes them what they need.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecert.errors import ConfigError

DEFAULT_DATA_DIR = Path("ecert-data")
DEMO_PASSPHRASE_FILE = "demo-key-passphrase"  # noqa: S105 - a file name
MIN_PASSPHRASE = 16
# systemd: LoadCredential=ecert-key-passphrase:/etc/ecert/key-passphrase
PASSPHRASE_CREDENTIAL = "ecert-key-passphrase"  # noqa: S105 - a credential's name


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    base_url: str
    key_passphrase: bytes
    demo: bool = False
    key_backend: str = "file"  # file | pkcs11
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token: str = "ecert"  # noqa: S105 - the HSM token label
    pkcs11_pin: str = ""
    sth_every_n: int = 100
    sth_every_seconds: int = 60
    token_ttl_days: int = 90
    max_body_bytes: int = 10 * 1024 * 1024
    rate_limit_per_minute: int = 600
    list_ttl_seconds: int = 3600
    presentation_ttl_seconds: int = 120
    reminder_days: int = 30
    # holder login (ecert/realname.py): "none" (off) | "development" (demo only, NOT real-name)
    realname: str = "none"
    # reverse proxies (IPs/CIDRs) whose X-Forwarded-For is believed; none by default
    trusted_proxies: tuple[str, ...] = ()
    # who may scrape /metrics (IPs/CIDRs; loopback by default)
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    # log lines: "text" (uvicorn's) or "json" (one object a line, with the request id)
    log_format: str = "text"
    # run housekeeping in the server process; off when `ecert housekeeping --loop` runs apart
    housekeeping: bool = True
    # OpenID Connect sign-in (ecert/services/oidc.py): the identity service; off when empty
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_redirect_uri: str = ""  # default: base_url + /login/oidc/callback
    oidc_staff_claim: str = "sub"  # the claim that names an operator (ecert operator --subject)
    # e-mail to holders (ecert/services/mail.py): off when no SMTP host
    smtp_host: str = ""
    smtp_port: int = 25
    mail_from: str = "ecert@localhost"
    # text messages to holders (ecert/services/sms.py): the SMS gateway's URL; off when empty
    sms_url: str = ""
    # read replica (certificate_store/replica.py): read-only lookups and verifications; off
    # when empty. A read waits at most replica_max_wait_ms for it to catch up, then the primary.
    database_replica_url: str = ""
    replica_max_wait_ms: int = 100
    # evidence attached to objections (verifier/attachments.py): per file, files per objection
    evidence_max_bytes: int = 5 * 1024 * 1024
    evidence_max_files: int = 3
    # an external RFC 3161 time-stamping service for PDF signatures; the platform's own TSA
    # in-process when empty (docs/reliability.md: what happens while it is unreachable)
    tsa_url: str = ""

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def __repr__(self) -> str:  # never print the passphrase
        return (f"Settings(data_dir={self.data_dir!s}, database_url={_redact(self.database_url)}, "
                f"base_url={self.base_url}, demo={self.demo}, key_backend={self.key_backend}, "
                f"realname={self.realname})")


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def load_settings(env: Mapping[str, str] | None = None, *, data_dir: Path | None = None,
                  demo: bool | None = None, create_demo_secret: bool = False) -> Settings:
    """Build settings from the environment (ECERT_*), with CLI overrides.

    Outside demo mode a key passphrase of at least 16 characters must be configured
    (ECERT_KEY_PASSPHRASE); demo mode generates one and keeps it in the data dir.
    """
    env = os.environ if env is None else env
    ddir = Path(data_dir or env.get("ECERT_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    is_demo = demo if demo is not None else env.get("ECERT_DEMO", "") in ("1", "true", "yes")
    db_url, base_url = _urls(env, ddir)
    backend, pin = _key_backend(env)
    return Settings(
        data_dir=ddir,
        database_url=db_url,
        base_url=base_url,
        key_passphrase=_passphrase(env, ddir, is_demo, create_demo_secret).encode(),
        demo=is_demo,
        key_backend=backend,
        pkcs11_module=env.get("ECERT_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so"),
        pkcs11_token=env.get("ECERT_PKCS11_TOKEN", "ecert"),
        pkcs11_pin=pin,
        sth_every_n=_int(env, "ECERT_STH_EVERY_N", 100),
        sth_every_seconds=_int(env, "ECERT_STH_EVERY_SECONDS", 60),
        token_ttl_days=_int(env, "ECERT_TOKEN_TTL_DAYS", 90),
        max_body_bytes=_int(env, "ECERT_MAX_BODY_BYTES", 10 * 1024 * 1024),
        rate_limit_per_minute=_int(env, "ECERT_RATE_LIMIT_PER_MINUTE", 600),
        list_ttl_seconds=_int(env, "ECERT_LIST_TTL_SECONDS", 3600),
        reminder_days=_int(env, "ECERT_REMINDER_DAYS", 30),
        evidence_max_bytes=_int(env, "ECERT_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024),
        evidence_max_files=_int(env, "ECERT_EVIDENCE_MAX_FILES", 3),
        realname=_realname(env, is_demo),
        trusted_proxies=_proxies(env),
        metrics_allow=_networks(env, "ECERT_METRICS_ALLOW") or ("127.0.0.1/32", "::1/128"),
        log_format=_log_format(env),
        housekeeping=env.get("ECERT_HOUSEKEEPING", "") not in ("off", "0", "false", "no"),
        **_oidc(env, base_url),
        smtp_host=env.get("ECERT_SMTP_HOST", ""),
        smtp_port=_int(env, "ECERT_SMTP_PORT", 25),
        mail_from=env.get("ECERT_MAIL_FROM", "") or "ecert@localhost",
        sms_url=_sms_url(env),
        database_replica_url=_replica_url(env),
        replica_max_wait_ms=_int(env, "ECERT_REPLICA_MAX_WAIT_MS", 100),
        tsa_url=_tsa_url(env),
    )


def _urls(env: Mapping[str, str], ddir: Path) -> tuple[str, str]:
    db_url = env.get("ECERT_DATABASE_URL") or f"sqlite:///{ddir / 'ecert.db'}"
    if not (db_url.startswith("sqlite") or db_url.startswith("postgresql")):
        raise ConfigError("ECERT_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")
    base_url = (env.get("ECERT_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError("ECERT_BASE_URL must start with http:// or https://")
    return db_url, base_url


def _replica_url(env: Mapping[str, str]) -> str:
    url = env.get("ECERT_DATABASE_REPLICA_URL", "")
    if url and not url.startswith("postgresql"):
        raise ConfigError("ECERT_DATABASE_REPLICA_URL must be a postgresql+psycopg:// URL "
                          "(a streaming replica of ECERT_DATABASE_URL)")
    return url


def _passphrase(env: Mapping[str, str], ddir: Path, is_demo: bool,
                create_demo_secret: bool) -> str:
    """ECERT_KEY_PASSPHRASE, or in demo mode the generated secret kept in the data dir."""
    passphrase = env.get("ECERT_KEY_PASSPHRASE", "") or credential(env, PASSPHRASE_CREDENTIAL)
    secret_file = ddir / DEMO_PASSPHRASE_FILE
    if not passphrase:
        if secret_file.exists():
            if not is_demo:
                raise ConfigError("this data dir was made by `ecert demo`; its key passphrase is a "
                                  "demo secret. Set ECERT_KEY_PASSPHRASE or run with --demo")
            passphrase = secret_file.read_text().strip()
        elif is_demo and create_demo_secret:
            ddir.mkdir(parents=True, exist_ok=True)
            passphrase = secrets.token_urlsafe(24)
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(passphrase)
        elif is_demo:
            raise ConfigError(f"no demo secret in {ddir}; run `ecert demo` or `ecert init --demo`")
        else:
            raise ConfigError("ECERT_KEY_PASSPHRASE is not set (at least 16 characters), nor the "
                              f"systemd credential {PASSPHRASE_CREDENTIAL}; it encrypts the "
                              "signing keys in the data dir")
    if len(passphrase) < MIN_PASSPHRASE:
        raise ConfigError(f"ECERT_KEY_PASSPHRASE must be at least {MIN_PASSPHRASE} characters")
    return passphrase


def _key_backend(env: Mapping[str, str]) -> tuple[str, str]:
    backend = env.get("ECERT_KEY_BACKEND", "file")
    if backend not in ("file", "pkcs11"):
        raise ConfigError("ECERT_KEY_BACKEND must be file or pkcs11")
    pin = env.get("ECERT_PKCS11_PIN", "") or credential(env, "ecert-pkcs11-pin")
    if backend == "pkcs11" and not pin:
        raise ConfigError("ECERT_PKCS11_PIN is required with ECERT_KEY_BACKEND=pkcs11")
    return backend, pin


def _realname(env: Mapping[str, str], is_demo: bool) -> str:
    # demo data dirs (ecert demo, ecert serve --demo) default to the development holder login
    realname = env.get("ECERT_REALNAME", "") or ("development" if is_demo else "none")
    if realname not in ("none", "development"):
        raise ConfigError("ECERT_REALNAME must be none or development (the development adapter "
                          "is NOT real authentication; production needs an identity-service adapter)")
    return realname


def _proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    """ECERT_TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For and client-certificate
    headers count (none by default)."""
    return _networks(env, "ECERT_TRUSTED_PROXIES")


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    parts = tuple(p.strip() for p in raw.split(",") if p.strip())
    for part in parts:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError as exc:
            raise ConfigError(f"{name}: {part!r} is not an IP address or "
                              "CIDR network") from exc
    return parts


def credential(env: Mapping[str, str], name: str) -> str:
    """A systemd credential (`LoadCredential=NAME:…`): the file NAME in $CREDENTIALS_DIRECTORY,
    without its trailing newline; "" when there is none."""
    cdir = env.get("CREDENTIALS_DIRECTORY", "")
    if not cdir or "/" in name:
        return ""
    path = Path(cdir) / name
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise ConfigError(f"cannot read the credential {name} in $CREDENTIALS_DIRECTORY") from exc


def _log_format(env: Mapping[str, str]) -> str:
    fmt = env.get("ECERT_LOG_FORMAT", "") or "text"
    if fmt not in ("text", "json"):
        raise ConfigError("ECERT_LOG_FORMAT must be text or json")
    return fmt


def _oidc(env: Mapping[str, str], base_url: str) -> dict[str, Any]:
    """ECERT_OIDC_*: the identity service holders and staff sign in through (off when unset)."""
    issuer = env.get("ECERT_OIDC_ISSUER", "").rstrip("/")
    if not issuer:
        return {}
    client_id, secret = env.get("ECERT_OIDC_CLIENT_ID", ""), env.get("ECERT_OIDC_CLIENT_SECRET", "")
    if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ConfigError("ECERT_OIDC_ISSUER must be an https:// URL")
    if not client_id or len(secret) < MIN_PASSPHRASE:
        raise ConfigError("ECERT_OIDC_CLIENT_ID and ECERT_OIDC_CLIENT_SECRET (16+ characters) "
                          "are required with ECERT_OIDC_ISSUER")
    return {"oidc_issuer": issuer, "oidc_client_id": client_id, "oidc_client_secret": secret,
            "oidc_redirect_uri": env.get("ECERT_OIDC_REDIRECT_URI", "")
            or base_url + "/login/oidc/callback",
            "oidc_staff_claim": env.get("ECERT_OIDC_STAFF_CLAIM", "") or "sub"}


def _tsa_url(env: Mapping[str, str]) -> str:
    """ECERT_TSA_URL: an RFC 3161 time-stamping service over HTTP (empty: the platform's own)."""
    url = env.get("ECERT_TSA_URL", "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError("ECERT_TSA_URL must be an http:// or https:// URL")
    return url


def _sms_url(env: Mapping[str, str]) -> str:
    """ECERT_SMS_URL: the SMS gateway (https; plain http only to a gateway on this machine)."""
    url = env.get("ECERT_SMS_URL", "").strip()
    loopback = url.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:"))
    if url and not (url.startswith("https://") or loopback):
        raise ConfigError("ECERT_SMS_URL must be an https:// URL (http:// only on loopback)")
    return url
