"""Staff sign in to the pages with a department client certificate, in headless Chromium.

`ecert serve` terminates TLS and asks for client certificates (`--client-certs optional`);
Chromium reads the operator's certificate and key from the NSS database under its $HOME
(`$HOME/.pki/nssdb`, filled with certutil/pk12util from libnss3-tools) and picks it without a
dialog through the AutoSelectCertificateForUrls content setting written into the profile's
Preferences — a temporary HOME and profile, nothing global. `/login/client-cert` turns the
certificate into a session of its operator; a revoked certificate is refused."""

from __future__ import annotations

import json
import os
import re
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

from tests.e2e.test_mtls import CLIENT_PASS, SERVER_PASS, _run, _throwaway

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PORT = 18431  # this suite's range is 18400-18499
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and shutil.which("certutil") and shutil.which("pk12util")),
    reason="needs chromium and libnss3-tools")


@dataclass
class Site:
    dir: Path
    env: dict[str, str]
    url: str
    ca: Path
    code: str
    operator: str
    good: tuple[Path, Path]
    revoked: tuple[Path, Path]
    revoked_serial: int


def _serial(cert: Path) -> int:
    out = subprocess.run(["openssl", "x509", "-noout", "-serial", "-in", str(cert)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip().split("=", 1)[1], 16)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from ecert.platform import Platform
    from ecert.settings import load_settings
    from producers._common import DEPARTMENTS

    d = tmp_path_factory.mktemp("certsignin")
    url = f"https://127.0.0.1:{PORT}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ECERT_")},
           "ECERT_DATA_DIR": str(d / "data"), "ECERT_KEY_PASSPHRASE": "cert-signin-passphrase-42",
           "ECERT_BASE_URL": url, "ECERT_CLIENT_KEY_PASSPHRASE": CLIENT_PASS,
           "SERVER_KEY_PASS": SERVER_PASS}
    _run(env, "init")
    code, name = DEPARTMENTS["hrss"]
    _run(env, "dept", "add", "--code", code, "--name", name)
    added = _run(env, "operator", "add", "--dept", code, "--name", "央金", "--post", "窗口核验岗",
                 "--role", "user")
    op_id = re.search(r"operator (\d+)", added).group(1)  # type: ignore[union-attr]
    good = _client_cert_for(env, code, op_id, d / "good")
    revoked = _client_cert_for(env, code, op_id, d / "revoked")
    serial = _serial(revoked[0])
    _run(env, "tls", "revoke", str(serial), "--reason", "key_compromise")
    p = Platform(load_settings({k: v for k, v in env.items() if k.startswith("ECERT_")}))
    with p.store.transaction() as uow:
        root_signer, root_der = p.pki.root(uow)
    p.store.dispose()
    (d / "srv").mkdir()
    cert, key = _throwaway(d / "srv", root_signer, root_der, code, server=True)
    proc = subprocess.Popen([sys.executable, "-m", "ecert", "serve", "--port", str(PORT),
                             "--tls-cert", str(cert), "--tls-key", str(key),
                             "--tls-key-password-env", "SERVER_KEY_PASS",
                             "--client-certs", "optional"],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    ca = d / "good" / "ca.pem"
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/pki/ca.pem", timeout=2,
                          verify=ssl.create_default_context(cafile=str(ca)))
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("ecert serve did not start")
        yield Site(d, env, url, ca, code, f"央金（窗口核验岗）#{op_id}", good, revoked, serial)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _client_cert_for(env: dict[str, str], code: str, op_id: str, out: Path) -> tuple[Path, Path]:
    _run(env, "dept", "client-cert", code, "--role", "user", "--out", str(out),
         "--operator", op_id)
    key = next(out.glob("*.key.pem"))
    return key.with_name(key.name.removesuffix(".key.pem") + ".pem"), key


def _home_with(site: Site, cert: tuple[Path, Path] | None, home: Path) -> Path:
    """A $HOME whose NSS database trusts our root and holds `cert` with its key."""
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True)
    nss = f"sql:{db}"
    subprocess.run(["certutil", "-N", "-d", nss, "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", nss, "-n", "ecert-root", "-t", "C,,",
                    "-i", str(site.ca)], check=True)
    if cert is not None:
        p12 = home / "op.p12"
        subprocess.run(["openssl", "pkcs12", "-export", "-in", str(cert[0]), "-inkey", str(cert[1]),
                        "-passin", f"pass:{CLIENT_PASS}", "-out", str(p12),
                        "-passout", "pass:p12-pass", "-name", "operator"], check=True)
        subprocess.run(["pk12util", "-i", str(p12), "-d", nss, "-W", "p12-pass"], check=True,
                       capture_output=True)
    return home


def _profile(site: Site, profile: Path) -> Path:
    """A profile that picks a client certificate for our origin without asking."""
    (profile / "Default").mkdir(parents=True)
    prefs = {"profile": {"content_settings": {"exceptions": {"auto_select_certificate": {
        f"{site.url},*": {"setting": {"filters": [{}]}}}}}}}
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    return profile


@pytest.fixture()
def browser_with(site: Site, tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.web.cdp import Browser

    opened: list[Browser] = []

    def open_(cert: tuple[Path, Path] | None, name: str) -> Browser:
        home = _home_with(site, cert, tmp_path / name / "home")
        env = {**os.environ, "HOME": str(home)}
        b = Browser(CHROMIUM, _profile(site, tmp_path / name / "profile"), env=env)
        opened.append(b)
        return b

    try:
        yield open_
    finally:
        for b in opened:
            b.close()


def _audit(site: Site, action: str) -> list[dict[str, object]]:
    from ecert.platform import Platform
    from ecert.settings import load_settings

    p = Platform(load_settings({k: v for k, v in site.env.items() if k.startswith("ECERT_")}))
    try:
        with p.store.transaction() as uow:
            page = p.audit.list_entries(uow, action=action, limit=50)
            return [{"actor": e.actor, "details": json.loads(e.details)} for e in page.entries]
    finally:
        p.store.dispose()


def test_operator_signs_in_with_the_client_certificate(site: Site, browser_with) -> None:  # type: ignore[no-untyped-def]
    b = browser_with(site.good, "good")
    b.goto(site.url + "/staff")
    assert b.js("document.getElementById('cert-login') !== null")
    b.js("document.getElementById('cert-login').click()")
    b.wait("location.pathname === '/staff' && location.hash === '' && "
           "sessionStorage.getItem('ecert-token-/staff')")
    # the session is the operator's: the page's API calls carry it
    who = b.js("fetch('/api/v1/operators', {headers: {Authorization: 'Bearer ' + "
               "sessionStorage.getItem('ecert-token-/staff')}}).then(r => r.status)")
    assert who == 200
    entries = _audit(site, "operator.signin")
    assert any(e["actor"] == site.operator and e["details"]["method"] == "client-certificate"
               for e in entries), entries


def test_a_revoked_certificate_is_refused(site: Site, browser_with) -> None:  # type: ignore[no-untyped-def]
    b = browser_with(site.revoked, "revoked")
    b.goto(site.url + "/login/client-cert?page=/staff")
    text = b.wait("document.getElementById('signin-error') && "
                  "document.getElementById('signin-error').textContent")
    assert "未被认可" in text  # presented (the handshake accepted it), then refused: revoked
    assert not b.js("sessionStorage.getItem('ecert-token-/staff')")
    refused = _audit(site, "signin.failure")
    assert any(e["details"]["method"] == "client-certificate" and "x5t#S256" in e["details"]
               for e in refused), refused
    # nor does it work for the API (the same rule, ecert.services.clientcerts)
    assert b.js("fetch('/api/v1/operators').then(r => r.status)") == 401


def test_no_certificate_no_session(site: Site, browser_with) -> None:  # type: ignore[no-untyped-def]
    b = browser_with(None, "none")
    b.goto(site.url + "/login/client-cert?page=/staff")
    text = b.wait("document.getElementById('signin-error') && "
                  "document.getElementById('signin-error').textContent")
    assert "未出示" in text
    assert not b.js("sessionStorage.getItem('ecert-token-/staff')")
