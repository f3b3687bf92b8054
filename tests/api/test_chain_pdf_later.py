"""A PDF sealed under the issuing CA still validates offline long after every revocation answer
embedded in it (the department's OCSP response, the root's CRL for the issuing CA) has
expired: long-term validation falls back to the signature time stamp's time."""

from __future__ import annotations

import datetime as dt

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


def test_pdf_validates_after_the_embedded_crl_expired(client, admin_token, platform) -> None:  # type: ignore[no-untyped-def]
    from ca.pdf_validate import validate_pdf

    w = setup_training(client, admin_token)
    body = client.post("/api/v1/certificates", json=training_request(5),
                       headers=auth(w["issuer"])).json()
    pdf = client.get(f"/api/v1/certificates/{body['identifier']}/pdf",
                     headers=auth(w["issuer"])).content
    root = client.get("/pki/ca.crt").content
    assert client.get("/pki/issuing-ca.crt").status_code == 200  # the two-level shape
    now = platform.now()
    assert validate_pdf(pdf, root, now).valid is True
    later = validate_pdf(pdf, root, now + dt.timedelta(days=40))
    assert later.valid is True, later
