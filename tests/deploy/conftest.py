"""The production shape on loopback: a real `ecert serve` (JSON logs, nginx as its only
trusted proxy) behind a real nginx running the shipped deploy/nginx/ecert.conf."""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port
from tests.conftest import REPO
from tests.e2e.test_mtls import CLIENT_PASS, _client_cert, _run, _throwaway

DEPLOY = REPO / "deploy"
PROXY_ADDR = "127.0.0.2"  # nginx connects to ecert from here (proxy_bind); the tests from 127.0.0.1


@dataclass
class Stack:
    dir: Path
    env: dict[str, str]
    ca: Path
    code: str
    issuer: tuple[Path, Path]
    revoked: tuple[Path, Path]
    foreign: tuple[Path, Path]
    ecert_url: str  # direct, plain HTTP
    nginx_url: str  # https through nginx
    log: Path  # ecert's stderr (JSON lines)
    admin_token: str

    def client(self, cert: tuple[Path, Path] | None = None,
               source: str | None = None) -> httpx.Client:
        """A client of nginx; `source`: another loopback address to connect from (nginx
        keeps its per-address limits apart from every other test's)."""
        ctx = ssl.create_default_context(cafile=str(self.ca))
        if cert is not None:
            ctx.load_cert_chain(cert[0], cert[1], password=CLIENT_PASS)
        transport = httpx.HTTPTransport(verify=ctx, local_address=source) if source else None
        return httpx.Client(base_url=self.nginx_url, verify=ctx, timeout=60,
                            transport=transport)


def _serial(cert: Path) -> int:
    from cryptography import x509

    return x509.load_pem_x509_certificate(cert.read_bytes()).serial_number


def _wait(url: str, proc: subprocess.Popen[bytes], **kw: object) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the process exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=2, **kw)  # type: ignore[arg-type]
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not start")


def render_nginx(d: Path, ecert_port: int, https_port: int, http_port: int,
                 tls: dict[str, Path]) -> Path:
    """deploy/nginx/ecert.conf with this machine's ports and files, inside a minimal main
    configuration whose every path is under `d`. Each replaced string must be in the file."""
    site = (DEPLOY / "nginx" / "ecert.conf").read_text()
    swaps = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{ecert_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/var/log/nginx/ecert.access.log": str(d / "access.log"),
        "/etc/ecert/tls/server.pem": str(tls["cert"]),
        "/etc/ecert/tls/server.key": str(tls["key"]),
        "/etc/ecert/tls/client-ca.pem": str(tls["ca"]),
        "/etc/ecert/tls/client-ca.crl.pem": str(tls["crl"]),
        # ecert runs on this host too: nginx connects from a second loopback address so that
        # the tests (127.0.0.1) are not the trusted proxy
        "proxy_pass http://ecert;": f"proxy_bind {PROXY_ADDR};\n        proxy_pass http://ecert;",
    }
    for old, new in swaps.items():
        assert old in site, f"deploy/nginx/ecert.conf no longer has {old!r}"
        site = site.replace(old, new)
    (d / "ecert.conf").write_text(site)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {k}_temp_path {d / k};" for k in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (d / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {d / 'nginx.pid'};\n"
        f"error_log {d / 'error.log'} info;\nevents {{ worker_connections 128; }}\n"
        f"http {{\n    access_log {d / 'main-access.log'};\n{temp}\n"
        f"    include {d / 'ecert.conf'};\n}}\n")
    return d / "nginx.conf"


def _pki(d: Path, env: dict[str, str]) -> dict[str, object]:
    from ca import cert_profiles
    from ca.signer import MemorySigner
    from ecert.platform import Platform
    from ecert.settings import load_settings
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    _run(env, "init")
    code, name = DEPARTMENTS["hrss"]
    _run(env, "dept", "add", "--code", code, "--name", name)
    (d / "type.json").write_text(json.dumps(vt.DEFINITION, ensure_ascii=False))
    _run(env, "catalog", "add", str(d / "type.json"))
    admin = _run(env, "token", "create", "--role", "admin").strip().splitlines()[-1].strip()
    issuer = _client_cert(env, code, "issuer", d / "issuer")
    revoked = _client_cert(env, code, "issuer", d / "revoked")
    _run(env, "tls", "revoke", str(_serial(revoked[0])))
    p = Platform(load_settings({k: v for k, v in env.items() if k.startswith("ECERT_")}))
    with p.store.transaction() as uow:
        root_signer, root_der = p.pki.root(uow)
    p.store.dispose()
    for sub in ("srv", "foreign"):
        (d / sub).mkdir()
    server = _throwaway(d / "srv", root_signer, root_der, code, server=True)
    other = MemorySigner.generate("other-root")
    other_der = cert_profiles.issue_root_ca(other, "别的CA", __import__("datetime").datetime.now(
        __import__("datetime").UTC))
    foreign = _throwaway(d / "foreign", other, other_der, code, server=False)
    return {"code": code, "issuer": issuer, "revoked": revoked, "foreign": foreign,
            "server": server, "ca": d / "issuer" / "ca.pem", "admin": admin}


def _server_key_plain(d: Path, server: tuple[Path, Path]) -> Path:
    """nginx reads an unencrypted key (in production: root-only 0600, see docs/operations.md)."""
    out = d / "srv" / "server.key"
    subprocess.run(["openssl", "pkey", "-in", str(server[1]), "-passin",
                    "pass:server-key-passphrase-0123", "-out", str(out)], check=True,
                   capture_output=True)
    out.chmod(0o600)
    return out


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is not installed (Debian: apt-get install nginx; ./dev test does)")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    d = tmp_path_factory.mktemp("deploy")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ECERT_")},
           "ECERT_DATA_DIR": str(d / "data"), "ECERT_KEY_PASSPHRASE": "deploy-test-passphrase-42",
           "ECERT_BASE_URL": "https://ecert.test", "ECERT_CLIENT_KEY_PASSPHRASE": CLIENT_PASS,
           "ECERT_TRUSTED_PROXIES": PROXY_ADDR, "ECERT_LOG_FORMAT": "json"}
    made = _pki(d, env)
    ecert_port, https_port, http_port = free_port(), free_port(), free_port()
    log = d / "ecert.log"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("wb") as sink:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "ecert", "serve", "--host", "127.0.0.1",
                 "--port", str(ecert_port)], env=env, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=sink))
        ecert_url = f"http://127.0.0.1:{ecert_port}"
        _wait(ecert_url + "/healthz", procs[0])
        crl = d / "client-ca.crl.pem"
        # client certificates come from the issuing CA: nginx trusts the whole chain
        chain = d / "client-ca.pem"
        with httpx.Client() as c:
            chain.write_bytes(c.get(ecert_url + "/pki/chain.pem").raise_for_status().content)
        made["ca"] = chain
        subprocess.run([str(DEPLOY / "nginx" / "refresh-crl.sh")], check=True, timeout=60, env={
            **env, "ECERT_URL": ecert_url,
            "ECERT_CLIENT_CA": str(made["ca"]), "ECERT_CRL_PEM": str(crl),
            "ECERT_NGINX_RELOAD": "true"})
        ngx = d / "nginx"
        ngx.mkdir()
        conf = render_nginx(ngx, ecert_port, https_port, http_port, {
            "cert": made["server"][0], "key": _server_key_plain(d, made["server"]),  # type: ignore[index]
            "ca": made["ca"], "crl": crl})  # type: ignore[dict-item]
        check = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(ngx), "-e",
                                str(ngx / "error.log")], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        procs.append(subprocess.Popen([nginx, "-c", str(conf), "-p", str(ngx), "-e",
                                       str(ngx / "error.log")], start_new_session=True))
        url = f"https://localhost:{https_port}"
        _wait(url + "/healthz", procs[1], verify=ssl.create_default_context(cafile=str(made["ca"])))
        yield Stack(d, env, made["ca"], made["code"], made["issuer"], made["revoked"],  # type: ignore[arg-type]
                    made["foreign"], ecert_url, url, log, made["admin"])  # type: ignore[arg-type]
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
