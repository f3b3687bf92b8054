"""A compromise rotation re-signs what the old key sealed (issue #9 §1): a new version per
valid certificate, under the new key, audited; resumable by the server's housekeeping."""

from __future__ import annotations

from formats.identifiers import parse_identifier
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


def test_compromise_rotation_resigns_what_the_key_sealed(template, admin_token, client,  # type: ignore[no-untyped-def]
                                                         platform, clock) -> None:
    """Every valid certificate the compromised key sealed gets a new version under the new
    key (audited as a change), whose QR is valid; a second run finds nothing left."""
    from certificate_store.repos.audit import EntryFilter
    from ecert.cli.common import cli_actor
    from ecert.services import issuing, resign
    from verifier.qr import verify_qr_online

    w = setup_training(client, admin_token)
    made = [client.post("/api/v1/certificates", json=training_request(seed),
                        headers=auth(w["issuer"])).json() for seed in (5, 6)]
    dept = parse_identifier(made[0]["identifier"]).issuer_code
    clock.advance(seconds=30)
    assert resign.pending(platform) == []
    platform.rotate_key(dept, cli_actor(), "key_compromise")
    assert set(resign.pending(platform)) == {m["identifier"] for m in made}
    steps: list[resign.ResignProgress] = []
    done = resign.run(platform, on_step=steps.append)
    assert done.done == 2 and [s.left for s in steps] == [1, 0]
    assert resign.pending(platform) == []
    assert resign.run(platform).done == 0
    with platform.store.transaction() as uow:
        _s, root_der = platform.pki.root(uow)
        new_key = uow.pki.active("department", dept)
        for ident in done.identifiers:
            ver = uow.certificates.version_by_identifier(ident)
            assert ver.signing_cert == new_key.x5t_s256 and ver.version == 2
    for ident in done.identifiers:
        url = issuing.qr_url(platform, ident)
        with platform.store.transaction() as uow:
            res = verify_qr_online(uow, url, platform.now(), root_der=root_der)
        assert res.verdict.value == "valid", res.to_dict()
    with platform.store.transaction() as uow:
        changes = uow.audit.list_entries(EntryFilter(action="certificate.change"),
                                         before=None, limit=10)
    assert {e.cert_identifier for e in changes} == set(done.identifiers)
    assert all(resign.RESIGN_REASON in e.details for e in changes)


def test_housekeeping_resumes_resigning(admin_token, client, platform, clock) -> None:  # type: ignore[no-untyped-def]
    """A rotation whose re-signing never ran (or stopped) is finished by the server's round."""
    from ecert.cli.common import cli_actor
    from ecert.services import housekeeping, resign

    w = setup_training(client, admin_token)
    made = client.post("/api/v1/certificates", json=training_request(9),
                       headers=auth(w["issuer"])).json()
    clock.advance(seconds=30)
    platform.rotate_key(parse_identifier(made["identifier"]).issuer_code, cli_actor(),
                        "key_compromise")
    assert resign.pending(platform) == [made["identifier"]]
    housekeeping.run_once(platform)
    assert resign.pending(platform) == []
