"""Generate docs/vectors/: published verification cases, made by the issuer's own code.

    .venv/bin/python scripts/make_vectors.py [OUT_DIR]

A throwaway :class:`ecert.platform.Platform` (temporary data directory, SQLite, generated
keys; nothing here is a production secret) is initialised, enrols two departments, defines
two certificate types and issues, changes, revokes and rotates keys through its services on
a fixed clock. The QR codes are the ones the platform prints (``ecert/qr/2``), plus legacy
``ecert/qr/1`` codes re-signed from the same stored records, plus a few hand-made negative
cases that mutate issued codes (tampered claims, unknown ``kid``, rogue key, wrong ``typ``,
swapped path, foreign identifier). The lists are the platform's own signed trust and
status lists. Writes:

* ``root.pem``, ``trust-list.jws``, ``status-list.jws``;
* ``qr-cases.json``: each case's name, QR URL, expected verdict and failed check's reason,
  all checked offline at ``check_at``;
* ``pdf/*.pdf``, ``pdf-status-list.jws`` and ``pdf-cases.json``: the platform's signed PDF,
  a tampered copy, a copy without signature, checked offline with the same root.

Python (tests/verifier/test_verifier_vectors.py) and the browser's verify.js
(tests/web/test_vectors_browser.py) both run every case.

The ``ecert/qr/3`` set (issue #9 §2: packed claims naming a status index, checked against
one status shard) is made by a second throwaway platform into ``qr3/`` (scripts/vectors_qr3.py).
The platform issues qr/3 now; the first set's ``ecert/qr/2`` codes are re-signed from the
stored records as ecert used to sign them (``Issuer.qr`` with ``legacy``), so regenerating it
still covers qr/2. ``--qr3-only`` writes the qr/3 set alone, leaving the published qr/1 and
qr/2 vectors byte for byte as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from audit_log.actor import Actor  # noqa: E402
from ca.certs import pem  # noqa: E402
from ca.jws import b64url, b64url_decode, canonical_json, sign_jws  # noqa: E402
from ca.signer import MemorySigner  # noqa: E402
from ecert.platform import Platform  # noqa: E402
from ecert.services import issuing  # noqa: E402
from ecert.services.verification import invalidate_lists, signed_list  # noqa: E402
from ecert.settings import Settings  # noqa: E402
from formats.identifiers import mod37_36_check_char  # noqa: E402
from formats.idnumber import make_citizen_id  # noqa: E402
from formats.qr import QR1_SPEC, QR1_TYP  # noqa: E402
from formats.uscc import make_uscc  # noqa: E402

# pyHanko stamps a PDF signature with the wall clock as well as with the platform's: the PDF
# is made first, at the current hour, and checked a day later; the QR timeline follows.
PDF_AT = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
PDF_CHECK_AT = PDF_AT + dt.timedelta(days=1)
T0 = PDF_CHECK_AT
CHECK_AT = T0 + dt.timedelta(days=30)
BASE_URL = "https://ecert.example"
ADMIN = Actor(name="vectors", role="admin")
ISS = make_uscc("11540000MB0000001")
ISS2 = make_uscc("11540000MB0000005")
NAMES = {ISS: "西藏自治区测试厅", ISS2: "西藏自治区轮换局"}


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def definition(dept: str) -> dict[str, Any]:
    return {
        "type_code": dept + "001", "name": "测试经营许可证", "defining_dept": dept,
        "holder_kind": "111",
        "fields": {"type": "object", "required": ["scope"], "additionalProperties": False,
                   "properties": {"scope": {"type": "string", "title": "经营范围",
                                            "minLength": 1}}},
        "personal": [], "validity": {"years": 3},
        "face": {"title": "测试经营许可证", "rows": [{"label": "持证人", "field": "holder_name"},
                                                {"label": "经营范围", "field": "scope"}]},
        "seal": "测试电子印章", "grants": [],
    }


def data(name: str, first17: str, **extra: str) -> dict[str, Any]:
    code = make_citizen_id(first17)
    return {"holder": {"name": name, "code": code}, "fields": {"scope": "餐饮服务"}, **extra}


class Issuer:
    """The platform and the few steps the cases need, each through the issuer's services."""

    def __init__(self, p: Platform, clock: Clock, legacy: bool = True) -> None:
        self.p, self.clock, self.legacy = p, clock, legacy

    def at(self, when: dt.datetime) -> None:
        self.clock.at = when

    def issue(self, dept: str, d: dict[str, Any]) -> str:
        actor = Actor(name="vectors", role="issuer", dept_code=dept)
        return issuing.issue(self.p, actor, dept + "001", d).certificate.identifier

    def qr(self, ident: str) -> str:
        if not self.legacy:
            return issuing.qr_url(self.p, ident)
        return self.qr2(ident)

    def qr2(self, ident: str) -> str:
        """An ``ecert/qr/2`` code for the stored record, signed as ecert did before qr/3."""
        from formats.qr import QR2_TYP, build_qr_claims

        with self.p.store.transaction() as uow:
            ver = uow.certificates.version_by_identifier(ident)
            assert ver is not None
            rec, sha = json.loads(ver.canonical), ver.sha256
            acting = uow.departments.current_holder(rec["issuer"]["code"])
        claims = {**build_qr_claims(rec, sha, self.p.now()), "spec": "ecert/qr/2"}
        claims.pop("si", None)
        key = self.key(acting)
        jws = sign_jws(canonical_json(claims), key.signer, key.cert_der, include_x5c=False,
                       typ=QR2_TYP, short_kid=True)
        return f"{BASE_URL}/v/{ident}#{jws}"

    def act(self, dept: str, ident: str, event: str) -> None:
        actor = Actor(name="vectors", role="issuer", dept_code=dept)
        issuing.transition(self.p, actor, ident, event, "测试")

    def change(self, dept: str, ident: str) -> str:
        actor = Actor(name="vectors", role="issuer", dept_code=dept)
        return issuing.change(self.p, actor, ident, {"fields": {"scope": "零售"}},
                              "变更").certificate.identifier

    def key(self, dept: str) -> Any:
        with self.p.store.transaction() as uow:
            return self.p.pki.signing_key(uow, dept)

    def qr1(self, ident: str, path_id: str | None = None) -> str:
        """A legacy ``ecert/qr/1`` code for the stored record, signed as ecert used to."""
        with self.p.store.transaction() as uow:
            ver = uow.certificates.version_by_identifier(ident)
            assert ver is not None
            rec = json.loads(ver.canonical)
        v2 = claims_of(self.qr(ident))
        claims = {**v2, "spec": QR1_SPEC, "t": rec["type"]["code"], "tn": rec["type"]["name"],
                  "iss": rec["issuer"]["code"], "in": rec["issuer"]["name"]}
        key = self.key(rec["issuer"]["code"])
        jws = sign_jws(canonical_json(claims), key.signer, key.cert_der, include_x5c=False,
                       typ=QR1_TYP)
        return f"{BASE_URL}/v/{path_id or ident}#{jws}"


# ------------------------------------------------------------------ mutations of issued codes


def parts(url: str) -> tuple[str, str, str, str]:
    before, frag = url.split("#", 1)
    head, payload, sig = frag.split(".")
    return before, head, payload, sig


def claims_of(url: str) -> dict[str, Any]:
    return dict(json.loads(b64url_decode(parts(url)[2])))


def header_of(url: str) -> dict[str, Any]:
    return dict(json.loads(b64url_decode(parts(url)[1])))


def with_claims(url: str, change: Callable[[dict[str, Any]], None]) -> str:
    """The same header and signature over changed claims (a tampered code)."""
    before, head, _payload, sig = parts(url)
    claims = claims_of(url)
    change(claims)
    return f"{before}#{head}.{b64url(canonical_json(claims))}.{sig}"


def resigned(url: str, signer: Any, header: dict[str, Any],
             claims: dict[str, Any] | None = None, path_id: str | None = None) -> str:
    """Claims (the issued ones by default) signed by ``signer`` under ``header``."""
    from ca.signer import der_to_raw_signature

    before = url.split("#", 1)[0] if path_id is None else f"{BASE_URL}/v/{path_id}"
    h = b64url(canonical_json(header))
    signing_input = f"{h}.{b64url(canonical_json(claims or claims_of(url)))}"
    sig = b64url(der_to_raw_signature(signer.sign(signing_input.encode("ascii"))))
    return f"{before}#{signing_input}.{sig}"


def foreign_identifier(ident: str) -> str:
    """Another serial whose check character is not MOD 37,36 (another province's scheme)."""
    head = ident.split(".")
    body = head[5] + head[6] + "SC2026000001" + head[8]
    wrong = "Z" if mod37_36_check_char(body) != "Z" else "Y"
    return ".".join([*head[:7], "SC2026000001", head[8], wrong])


def qr_cases(iss: Issuer) -> list[tuple[str, str, str, str | None]]:
    """(name, url, verdict, reason) — the platform's timeline from T0 to CHECK_AT."""
    iss.at(T0)
    valid = iss.issue(ISS, data("卓玛", "54010219920304123"))
    revoked = iss.issue(ISS, data("扎西次仁", "54010219851212567"))
    start = (T0 + dt.timedelta(hours=8)).date()  # Beijing date
    expired = iss.issue(ISS, data("李四", "54010219770101999", valid_from=start.isoformat(),
                                  valid_to=(start + dt.timedelta(days=2)).isoformat()))
    old = iss.issue(ISS, data("王五", "54010220000101222"))
    before_rotation = iss.issue(ISS2, data("格桑", "54010219950505111"))
    urls = {k: iss.qr(v) for k, v in (("valid", valid), ("revoked", revoked),
                                      ("expired", expired), ("old", old),
                                      ("before-rotation", before_rotation))}
    iss.act(ISS, revoked, "revoke")
    iss.at(T0 + dt.timedelta(days=2))
    iss.change(ISS, old)
    # department 2: its first key retired and revoked as superseded; its second compromised
    with iss.p.store.transaction() as uow:
        first = uow.pki.active("department", ISS2)
        assert first is not None
    iss.at(T0 + dt.timedelta(days=3))
    iss.p.rotate_key(ISS2, ADMIN, "superseded")
    iss.at(T0 + dt.timedelta(days=4))
    late_claims = {**claims_of(urls["before-rotation"]),
                   "iat": int(iss.p.now().timestamp())}
    after_revocation = resigned(urls["before-rotation"], iss.p.pki.signer(first.key_label),
                                header_of(urls["before-rotation"]), late_claims)
    iss.at(T0 + dt.timedelta(days=5))
    compromised = iss.qr(iss.issue(ISS2, data("次仁", "54010219960606222")))
    iss.at(T0 + dt.timedelta(days=6))
    iss.p.rotate_key(ISS2, ADMIN, "key_compromise")

    v = urls["valid"]
    rogue = MemorySigner.generate("rogue")
    foreign = foreign_identifier(valid)
    return [
        ("valid", v, "valid", None),
        ("revoked", urls["revoked"], "revoked", "status-07"),
        ("expired", urls["expired"], "expired", "expired"),
        ("superseded", urls["old"], "superseded", "superseded"),
        ("signed-before-key-rotation", urls["before-rotation"], "valid", None),
        ("signed-with-revoked-key-after-revocation", after_revocation, "invalid", "key-revoked"),
        ("signed-with-compromised-key", compromised, "invalid", "key-compromised"),
        ("tampered-claims", with_claims(v, lambda c: c.update(vt="2099-12-31")), "invalid",
         "bad-signature"),
        ("forged-key", resigned(v, rogue, header_of(v)), "invalid", "bad-signature"),
        ("unknown-kid", resigned(v, rogue, {**header_of(v), "kid": "AAAAAAAAAAAA"}), "invalid",
         "unknown-signer"),
        ("qr2-claims-under-qr1-typ", v.split("#")[0] + "#" + sign_jws(
            canonical_json(claims_of(v)), iss.key(ISS).signer, iss.key(ISS).cert_der,
            include_x5c=False, typ=QR1_TYP), "invalid", "wrong-type"),
        ("qr1-valid", iss.qr1(valid), "valid", None),
        ("qr1-revoked", iss.qr1(revoked), "revoked", "status-07"),
        ("qr1-tampered-claims", with_claims(iss.qr1(valid), lambda c: c.update(vt="2099-12-31")),
         "invalid", "bad-signature"),
        ("swapped-path", f"{BASE_URL}/v/{revoked}#{v.split('#', 1)[1]}", "invalid",
         "identifier-mismatch"),
        ("foreign-identifier", resigned(v, iss.key(ISS).signer, header_of(v),
                                        {**claims_of(v), "id": foreign}, path_id=foreign),
         "unknown", None),
    ]


def _tamper(pdf: bytes) -> bytes:
    """One character of the signed /Subject (the identifier's serial) changed, same length."""
    at = pdf.index(b"/Subject (1.2.156.3005.2.")
    close = pdf.index(b")", at)
    i = close - 12  # inside the serial
    repl = b"7" if pdf[i:i + 1] != b"7" else b"8"
    out = pdf[:i] + repl + pdf[i + 1:]
    assert len(out) == len(pdf) and out != pdf
    return out


def pdf_files(iss: Issuer) -> tuple[str, dict[str, bytes]]:
    """The platform's signed PDF of a valid certificate (made a day before PDF_CHECK_AT, so
    its embedded OCSP answers are fresh then), a tampered copy and an unsigned face."""
    from issuer.catalog import CertificateType
    from issuer.documents import face_input_from_record
    from issuer.face import render_face
    from issuer.seal import make_seal

    iss.at(PDF_AT)
    ident = iss.issue(ISS, data("央金", "54010219970707333"))
    signed = issuing.document(iss.p, None, ident, "pdf").data
    with iss.p.store.transaction() as uow:
        ver = uow.certificates.version_by_identifier(ident)
        assert ver is not None
        cert = uow.certificates.get(ver.certificate_id)
        ctype = CertificateType.from_record(uow.catalog.get(cert.type_code, cert.type_version))
        record = json.loads(ver.canonical)
    unsigned = render_face(face_input_from_record(
        record, ctype, make_seal(record["issuer"]["name"], record["seal"]), iss.qr(ident)))
    return ident, {"valid.pdf": signed, "tampered.pdf": _tamper(signed),
                   "unsigned-copy.pdf": unsigned}


def build(tmp: Path, legacy: bool = True) -> tuple[Platform, Issuer]:
    clock = Clock(T0 - dt.timedelta(days=1))
    settings = Settings(data_dir=tmp, database_url=f"sqlite:///{tmp}/ecert.db", base_url=BASE_URL,
                        key_passphrase=b"throwaway vectors", list_ttl_seconds=3650 * 86400)
    p = Platform(settings, clock)
    p.initialise(ADMIN)
    for code, name in NAMES.items():
        p.add_department(code, name, None, ADMIN)
        issuing.add_type(p, definition(code), ADMIN)
    return p, Issuer(p, clock, legacy)


def write(out: Path, name: str, doc: dict[str, Any]) -> None:
    (out / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def main_qr3(out: Path) -> None:
    from vectors_qr3 import write_qr3

    n = write_qr3(out / "qr3", lambda tmp: build(tmp, legacy=False), T0, CHECK_AT,
                  (ISS, ISS2), ADMIN, data, definition)
    print(f"wrote {n} qr/3 cases to {out / 'qr3'}")


def main(out: Path) -> None:
    main_qr3(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pdf").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        p, iss = build(Path(tmp))
        pdf_ident, pdfs = pdf_files(iss)
        iss.at(PDF_CHECK_AT - dt.timedelta(hours=1))
        pdf_status = signed_list(p, "status")
        invalidate_lists(p)
        cases = qr_cases(iss)
        iss.at(CHECK_AT - dt.timedelta(hours=1))
        invalidate_lists(p)
        trust, status = signed_list(p, "trust"), signed_list(p, "status")
        with p.store.transaction() as uow:
            root_der = p.pki.root_cert(uow)
        p.store.dispose()
    (out / "root.pem").write_text(pem(root_der))
    (out / "trust-list.jws").write_text(trust + "\n")
    (out / "status-list.jws").write_text(status + "\n")
    (out / "pdf-status-list.jws").write_text(pdf_status + "\n")
    at = CHECK_AT.strftime("%Y-%m-%dT%H:%M:%SZ")
    write(out, "qr-cases.json", {
        "spec": "ecert/vectors/1", "check_at": at,
        "note": "Made by a throwaway ecert platform (scripts/make_vectors.py). Verify each url "
                "offline with trust-list.jws and status-list.jws (signed by root.pem) at "
                "check_at; expect verdict, and reason among the failed checks' reasons.",
        "cases": [{"name": n, "url": u, "verdict": v, "reason": r} for n, u, v, r in cases]})
    for name, content in pdfs.items():
        (out / "pdf" / name).write_bytes(content)
    write(out, "pdf-cases.json", {
        "spec": "ecert/vectors/1", "check_at": PDF_CHECK_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "identifier": pdf_ident,
        "note": "Same platform and root as the QR cases. Verify each file offline with "
                "verifier.pdf.verify_pdf against root.pem and pdf-status-list.jws at check_at; "
                "expect verdict (and the failed check's reason).",
        "cases": [{"name": "valid", "file": "pdf/valid.pdf", "verdict": "valid", "reason": None},
                  {"name": "tampered", "file": "pdf/tampered.pdf", "verdict": "invalid",
                   "reason": "altered"},
                  {"name": "unsigned-copy", "file": "pdf/unsigned-copy.pdf",
                   "verdict": "not_original", "reason": "no-signature"}]})
    (out / "pdf-root.pem").unlink(missing_ok=True)  # one root for every case now
    print(f"wrote {len(cases)} QR cases and {len(pdfs)} PDF cases to {out}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--qr3-only"]
    target = Path(args[0]) if args else REPO / "docs" / "vectors"
    (main_qr3 if "--qr3-only" in sys.argv else main)(target)
