"""The key ceremony of docs/pki.md, run with the real CLI: the root on its own data dir, the
platform with only the issuing CA's key; then certificates verify online, offline and from
the PDF; the root's CRLs come from the series signed in advance; revoking the issuing CA on
the root's machine makes offline verifiers refuse its lists."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecert.cli.main import main
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth
from tests.inprocess_cli import pkilint

PASS = "offline-root-test-passphrase"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    d = tmp_path_factory.mktemp("ceremony")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("ECERT_DATABASE_URL", "ECERT_DATA_DIR", "ECERT_KEY_BACKEND", "ECERT_DEMO"):
            mp.delenv(name, raising=False)
        mp.setenv("ECERT_KEY_PASSPHRASE", PASS)
        mp.setenv("ECERT_BASE_URL", "https://ecert.test")
        yield {"dir": d, "root": d / "root-machine", "online": d / "online"}


@pytest.fixture(scope="module")
def ceremony(env: dict[str, Path]) -> dict[str, Any]:
    d, off, on = env["dir"], env["root"], env["online"]
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    assert main(["root", "init", "--dir", str(off)]) == 0
    assert main(["init", "--data-dir", str(on), "--issuing-ca-request", str(d / "req.csr")]) == 0
    assert main(["root", "sign-issuing-ca", "--dir", str(off), "--request", str(d / "req.csr"),
                 "--out", str(d / "issuing.pem")]) == 0
    assert main(["root", "sign-crls", "--dir", str(off), "--until", until,
                 "--out", str(d / "crls.pem")]) == 0
    assert main(["init", "--data-dir", str(on), "--issuing-ca", str(d / "issuing.pem"),
                 "--root-cert", str(off / "root.pem"), "--root-crls", str(d / "crls.pem")]) == 0
    return {"until": until}


@pytest.fixture(scope="module")
def online(env: dict[str, Path], ceremony: dict[str, Any]) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from ecert.cli.common import cli_actor, platform_for
    from ecert.http.app import create_app

    p = platform_for(env["online"])
    admin = p.create_token(role="admin", dept_code=None, holder_code=None, label="t",
                           ttl_days=1, actor=cli_actor()).secret
    with TestClient(create_app(p.settings, p), base_url="https://ecert.test") as c:
        yield {"platform": p, "client": c, "admin": admin}
    p.store.dispose()


def _run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert not ok or res.returncode == 0, f"{args[0]}: {res.stdout}{res.stderr}"
    return res


def test_the_platform_has_no_root_key(env: dict[str, Path], online: dict[str, Any]) -> None:
    from authority.hierarchy import RootOffline

    keys = sorted(p.name for p in (env["online"] / "keys").iterdir())
    assert not [k for k in keys if k.startswith("root-")], keys
    assert any(k.startswith("issuing-") for k in keys)
    assert [k.name for k in (env["root"] / "keys").iterdir()][0].startswith("root-")
    p = online["platform"]
    with p.store.transaction() as uow, pytest.raises(RootOffline):
        p.pki.root(uow)
    r = online["client"].get("/pki/ca.pem")
    assert r.text == (env["root"] / "root.pem").read_text()


def test_issued_certificates_chain_to_the_offline_root(env: dict[str, Path],
                                                       online: dict[str, Any]) -> None:
    c, admin = online["client"], online["admin"]
    w = setup_training(c, admin)
    d = env["dir"]
    (d / "chain.pem").write_text(c.get("/pki/chain.pem").text)
    from producers._common import DEPARTMENTS

    dept = DEPARTMENTS["hrss"][0]
    (d / "dept.pem").write_text(c.get(f"/pki/departments/{dept}/certs.pem").text)
    out = _run("openssl", "verify", "-CAfile", str(env["root"] / "root.pem"), "-untrusted",
               str(d / "chain.pem"), str(d / "dept.pem"))
    assert ": OK" in out.stdout
    (d / "issuing-served.pem").write_text(c.get("/pki/chain.pem").text.split(
        "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n")
    for name in ("issuing-served.pem", "dept.pem"):
        res = pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(d / name))
        assert res.returncode == 0, res.stdout
    body = c.post("/api/v1/certificates", json=training_request(7),
                  headers=auth(w["issuer"])).json()
    online["issued"] = body
    (d / "cert.pdf").write_bytes(c.get(f"/api/v1/certificates/{body['identifier']}/pdf",
                                       headers=auth(w["issuer"])).content)


def test_root_crl_comes_from_the_series(env: dict[str, Path], online: dict[str, Any]) -> None:
    from ca.certs import der_from_pem
    from ca.crl import crls_from_pem, describe_crl

    served = online["client"].get("/pki/crl/root.crl").content
    series = crls_from_pem((env["dir"] / "crls.pem").read_text())
    assert served in series and len(series) >= 8
    root = der_from_pem((env["root"] / "root.pem").read_text())
    assert describe_crl(served, root).revoked == ()
    pem = online["client"].get("/pki/crls.pem").text
    assert pem.count("BEGIN X509 CRL") == 2
    # past the end of the series: fail closed, saying what to do (no root key to sign one)
    from authority.hierarchy import NoRootCrl, RootCrlSeries

    series_dir = env["online"] / "root-crls"
    last = max(describe_crl(d, root).next_update for d in series)
    with pytest.raises(NoRootCrl):
        RootCrlSeries(series_dir).current(root, last)
    hidden = env["dir"] / "hidden-crls"
    series_dir.rename(hidden)
    try:
        r = online["client"].get("/pki/crl/root.crl")
        assert r.status_code == 503 and r.json()["type"].endswith("root-crl-missing")
    finally:
        hidden.rename(series_dir)


def test_lists_are_signed_by_the_list_key_with_the_chain(online: dict[str, Any]) -> None:
    from ca.certs import LIST_EKU_OID, describe_cert

    jws = online["client"].get("/pki/trust-list").text
    header = json.loads(base64.urlsafe_b64decode(jws.split(".")[0] + "=="))
    chain = [describe_cert(base64.b64decode(x)) for x in header["x5c"]]
    assert len(chain) == 2 and LIST_EKU_OID in chain[0].extended_key_usages and chain[1].is_ca


def test_verifies_online_offline_and_from_the_pdf(env: dict[str, Path], online: dict[str, Any],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from tests.api.conftest import serve

    d, body = env["dir"], online["issued"]
    with serve(online["platform"], housekeeping=False) as url:
        assert main(["trust-bundle", "--url", url, "--out", str(d / "bundle")]) == 0
    assert (d / "bundle" / "root.crl").is_file()
    bundle = ["--bundle", str(d / "bundle")]
    assert main(["verify", "--qr", body["qr_url"], *bundle]) == 0
    assert main(["verify", str(d / "cert.pdf"), *bundle]) == 0
    on = ["--data-dir", str(env["online"])]
    assert main(["verify", "--qr", body["qr_url"], *on]) == 0
    assert main(["verify", str(d / "cert.pdf"), *on]) == 0
    assert main(["verify", body["identifier"], *on]) == 0
    capsys.readouterr()


def test_issuing_ca_compromise_reaches_offline_verifiers(env: dict[str, Path],
                                                         online: dict[str, Any],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from ca.certs import der_from_pem, describe_cert
    from ca.crl import describe_crl
    from tests.api.conftest import serve

    d, off = env["dir"], env["root"]
    serial = describe_cert(der_from_pem((d / "issuing.pem").read_text())).serial
    assert main(["root", "revoke-issuing-ca", "--dir", str(off), "--serial", str(serial)]) == 0
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert main(["root", "sign-crls", "--dir", str(off), "--until", until,
                 "--out", str(d / "crls2.pem")]) == 0
    assert main(["root", "import-crls", str(d / "crls2.pem"), "--data-dir",
                 str(env["online"])]) == 0
    served = online["client"].get("/pki/crl/root.crl").content
    root = der_from_pem((off / "root.pem").read_text())
    assert describe_crl(served, root).is_revoked(serial) is not None
    with serve(online["platform"], housekeeping=False) as url:
        assert main(["trust-bundle", "--url", url, "--out", str(d / "bundle2")]) == 0
    capsys.readouterr()
    code = main(["verify", "--qr", online["issued"]["qr_url"], "--bundle", str(d / "bundle2")])
    assert code == 2 and "list not signed by the trusted root" in capsys.readouterr().err
    # a foreign CRL is refused on import, nothing is stored
    assert main(["root", "import-crls", str(d / "req.csr"), "--data-dir",
                 str(env["online"])]) == 2
    capsys.readouterr()


def test_backup_keeps_the_root_crl_series(env: dict[str, Path], online: dict[str, Any]) -> None:
    d = env["dir"]
    assert main(["backup", str(d / "b.zip"), "--data-dir", str(env["online"])]) == 0
    assert main(["restore", str(d / "b.zip"), "--data-dir", str(d / "restored")]) == 0
    names = sorted(p.name for p in (env["online"] / "root-crls").iterdir())
    assert names and sorted(p.name for p in (d / "restored" / "root-crls").iterdir()) == names
