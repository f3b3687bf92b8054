"""Certificate sign-in, in process: the session is the certificate's operator's, with the
certificate's role and department; a disabled operator, a revoked or unknown certificate and no
certificate are refused and audited. (The browser walk: tests/e2e/test_cert_signin_browser.py.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.journeys.test_operators import world  # noqa: F401 - the module's world


def _cert(platform: Any, dept: str, name: str) -> tuple[Any, Any]:
    from ca.keystore import FileKeyStore
    from ecert.cli.common import cli_actor
    from ecert.services import operators
    from ecert.services.clientcerts import issue_client_cert

    op = operators.add_operator(platform, dept_code=dept, name=name, post="窗口核验岗",
                                subject=None, actor=cli_actor())
    label = f"c{op.id}"
    signer = FileKeyStore(platform.settings.data_dir / "client", b"p" * 16).generate(label)
    rec = issue_client_cert(platform, dept, "user", signer.public_key_der, label, cli_actor(),
                            operator_id=op.id)
    return op, rec


def _failures(platform: Any) -> list[dict[str, Any]]:
    with platform.store.transaction() as uow:
        page = platform.audit.list_entries(uow, action="signin.failure", limit=20)
    return [json.loads(e.details) for e in page.entries]


def test_the_session_is_the_operators(platform: Any, world: dict[str, Any]) -> None:  # noqa: F811
    from ecert.services import signin
    from ecert.tokens import actor_for

    op, rec = _cert(platform, world["hrss"], "旦增")
    session = signin.client_cert_session(platform, rec.der, "/staff", "rid-1")
    assert session.landing == "/staff"
    tok = platform.authenticate(session.token, None, "/staff")
    actor = actor_for(tok, None)
    assert (actor.name, actor.role, actor.dept_code) == (f"旦增（窗口核验岗）#{op.id}", "user",
                                                         world["hrss"])
    with platform.store.transaction() as uow:
        e = platform.audit.list_entries(uow, action="operator.signin", limit=1).entries[0]
    assert e.actor == f"旦增（窗口核验岗）#{op.id}" and e.request_id == "rid-1"
    assert json.loads(e.details)["serial"] == str(rec.serial)
    with pytest.raises(Exception, match="unknown page"):
        signin.client_cert_session(platform, rec.der, "/holder", None)


def test_refusals_are_audited(platform: Any, world: dict[str, Any]) -> None:  # noqa: F811
    from ecert.cli.common import cli_actor
    from ecert.services import operators, signin
    from ecert.services.clientcerts import revoke_client_cert

    op, rec = _cert(platform, world["hrss"], "尼玛")
    operators.disable_operator(platform, op.id, cli_actor())
    with pytest.raises(signin.NoClientCert):
        signin.client_cert_session(platform, rec.der, "/staff", None)
    _op2, rec2 = _cert(platform, world["hrss"], "普布")
    revoke_client_cert(platform, rec2.serial, "key_compromise", cli_actor())
    with pytest.raises(signin.NoClientCert):
        signin.client_cert_session(platform, rec2.der, "/staff", None)
    with pytest.raises(signin.NoClientCert, match="未出示"):
        signin.client_cert_session(platform, None, "/staff", None)
    got = _failures(platform)[:3]
    assert [("x5t#S256" in d, d["method"]) for d in got] == [
        (False, "client-certificate"), (True, "client-certificate"), (True, "client-certificate")]
