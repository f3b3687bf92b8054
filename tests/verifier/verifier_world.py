"""A throwaway PKI and store for verifier tests: real keys and certificates through ca's
recipes, records and QR claim sets exactly as docs/formats.md describes them."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field

from ca.cert_profiles import issue_department_cert, issue_root_ca
from ca.certs import describe_cert
from ca.documents import sign_document
from ca.jws import b64url, canonical_json, sign_jws
from ca.signer import MemorySigner, der_to_raw_signature
from certificate_store import Store
from certificate_store.personal import UNKEYED
from certificate_store.personal import holder_hash as keyed_hash
from formats.identifiers import PREFIX, mod37_36_check_char
from formats.masking import mask_code, mask_name

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
T0 = dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)


def make_uscc(first17: str) -> str:
    w = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_ALPHABET.index(c) * w[i] for i, c in enumerate(first17))
    return first17 + USCC_ALPHABET[(31 - total % 31) % 31]


ISSUER = make_uscc("11540000MB0000001")
USER = make_uscc("11540000MB0000002")
OTHER = make_uscc("11540000MB0000003")
PERSONAL_USER = make_uscc("11540000MB0000004")
SUPERVISOR = make_uscc("11540000MB0000009")
TYPE = ISSUER + "001"
QR2 = "ecert/qr/2"


def sign_qr2(payload: bytes, signer: MemorySigner, cert_der: bytes, *, typ: str = "eqr",
             kid: str | None = None) -> str:
    """An ecert/qr/2 compact JWS: header {alg, kid (12 chars of x5t#S256), typ}."""
    kid = kid if kid is not None else describe_cert(cert_der).x5t_s256[:12]
    h = b64url(canonical_json({"alg": "ES256", "kid": kid, "typ": typ}))
    signing_input = f"{h}.{b64url(payload)}"
    raw = der_to_raw_signature(signer.sign(signing_input.encode("ascii")))
    return f"{signing_input}.{b64url(raw)}"


def identifier_for(type_code: str, issuer: str, serial: str, version: int,
                   check: str | None = None) -> str:
    v = f"{version:03d}"
    c = check or mod37_36_check_char(type_code + issuer + serial + v)
    return f"{PREFIX}{type_code}.{issuer}.{serial}.{v}.{c}"


@dataclass
class Dept:
    code: str
    name: str
    signer: MemorySigner
    cert_der: bytes

    @property
    def x5t(self) -> str:
        return describe_cert(self.cert_der).x5t_s256


@dataclass
class Issued:
    cert_id: int
    identifier: str
    base: str
    record: dict
    jws: str
    sha256: str
    holder_code: str


@dataclass
class World:
    store: Store
    root_signer: MemorySigner
    root_der: bytes
    issuer: Dept
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    serial_prefix: str = "2026"

    # -------------------------------------------------------------- setup
    @classmethod
    def build(cls, store: Store, prefix: str = "2026") -> World:
        root_signer = MemorySigner.generate("root")
        root_der = issue_root_ca(root_signer, "测试根CA", T0 - dt.timedelta(days=400))
        dept_signer = MemorySigner.generate("dept")
        dept_der = issue_department_cert(root_signer, root_der, dept_signer.public_key_der,
                                         "西藏自治区测试厅", ISSUER, "https://ecert.example",
                                         None, T0 - dt.timedelta(days=365), years=3)
        w = cls(store, root_signer, root_der, Dept(ISSUER, "西藏自治区测试厅", dept_signer, dept_der),
                serial_prefix=prefix)
        with store.transaction() as uow:
            for code, name, sup in ((SUPERVISOR, "主管厅", None), (ISSUER, "西藏自治区测试厅", SUPERVISOR),
                                    (USER, "使用局", None), (OTHER, "其他局", None),
                                    (PERSONAL_USER, "公安局", None)):
                if uow.departments.find(code) is None:
                    uow.departments.add(code, name, sup, T0 - dt.timedelta(days=500))
            if uow.pki.active("root") is None:
                w._add_pki(uow, "root", None, root_der)
            w._add_pki(uow, "department", ISSUER, dept_der)
            if uow.catalog.latest(TYPE) is None:
                import json
                definition = {
                    "type_code": TYPE, "name": "测试许可证",
                    "fields": [{"name": "scope", "label": "范围"},
                               {"name": "address", "label": "住址"}],
                    "personal": ["address"],
                    "grants": [{"dept": USER, "purposes": ["行政审批", "资格核验"], "personal": False},
                               {"dept": PERSONAL_USER, "purposes": ["案件办理"], "personal": True}],
                    "annotated_copy_cap": 3,
                }
                uow.catalog.add(type_code=TYPE, name="测试许可证", defining_dept=ISSUER,
                                definition=json.dumps(definition, ensure_ascii=False),
                                now=T0 - dt.timedelta(days=300))
        return w

    def _add_pki(self, uow, kind: str, dept: str | None, der: bytes) -> None:
        info = describe_cert(der)
        uow.pki.add(kind=kind, dept_code=dept, key_label=f"{kind}-{info.serial}", serial=info.serial,
                    x5t_s256=info.x5t_s256, der=der, not_before=info.not_before,
                    not_after=info.not_after, now=info.not_before)

    def new_key(self, not_before: dt.datetime, years: int = 3) -> Dept:
        signer = MemorySigner.generate("dept2")
        der = issue_department_cert(self.root_signer, self.root_der, signer.public_key_der,
                                    "西藏自治区测试厅", ISSUER, "https://ecert.example", None,
                                    not_before, years=years)
        with self.store.transaction() as uow:
            self._add_pki(uow, "department", ISSUER, der)
        return Dept(ISSUER, "西藏自治区测试厅", signer, der)

    def other_dept_key(self, code: str = OTHER, name: str = "其他局") -> Dept:
        """A trusted signing key of another department (in the store and the trust list)."""
        signer = MemorySigner.generate(f"dept-{code}")
        der = issue_department_cert(self.root_signer, self.root_der, signer.public_key_der, name,
                                    code, "https://ecert.example", None,
                                    T0 - dt.timedelta(days=30), years=3)
        with self.store.transaction() as uow:
            self._add_pki(uow, "department", code, der)
        return Dept(code, name, signer, der)

    # -------------------------------------------------------------- records
    def record(self, identifier: str, version: int, previous: str | None, holder_name: str,
               holder_code: str, vf: str, vt: str | None, signed_at: dt.datetime,
               fields: dict | None = None) -> dict:
        return {
            "spec": "ecert/record/1", "identifier": identifier, "version": version,
            "previous": previous, "type": {"code": TYPE, "name": "测试许可证", "version": 1},
            "name": "测试许可证", "licence_number": f"藏测-{identifier[-16:]}",
            "issuer": {"name": "西藏自治区测试厅", "code": ISSUER}, "issue_date": vf,
            "holder": {"name": holder_name, "code": holder_code, "code_kind": "111"},
            "validity": {"from": vf, "to": vt}, "signer": "西藏自治区测试厅",
            "signed_at": signed_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "seal": "西藏自治区测试厅电子印章",
            "fields": fields or {"scope": "餐饮", "address": "拉萨市城关区北京中路1号"},
        }

    def issue(self, *, holder_name: str = "张三丰", holder_code: str = "540102199001011234",
              vf: str = "2026-11-29", vt: str | None = "2029-11-28", status: str = "01",
              signed_at: dt.datetime = T0, key: Dept | None = None) -> Issued:
        key = key or self.issuer
        serial = f"{self.serial_prefix}{next(self.counter):08d}"
        ident = identifier_for(TYPE, ISSUER, serial, 1)
        base = f"{PREFIX}{TYPE}.{ISSUER}.{serial}"
        rec = self.record(ident, 1, None, holder_name, holder_code, vf, vt, signed_at)
        canon = canonical_json(rec)
        jws = sign_jws(canon, key.signer, key.cert_der, include_x5c=True, typ="ecert-record+jws")
        sha = hashlib.sha256(canon).hexdigest()
        valid_to = None if vt is None else dt.datetime.fromisoformat(vt + "T00:00:00+08:00") + dt.timedelta(days=1)
        with self.store.transaction() as uow:
            c = uow.certificates.create(
                base_identifier=base, type_code=TYPE, type_version=1, issuer_code=ISSUER,
                serial=serial, holder_hash=keyed_hash(holder_code, UNKEYED), status=status,
                valid_from=dt.datetime.fromisoformat(vf + "T00:00:00+08:00"), valid_to=valid_to,
                source_key=None, now=signed_at)
            uow.certificates.add_version(certificate_id=c.id, version=1, identifier=ident,
                                         canonical=canon, jws=jws, sha256=sha,
                                         signing_cert=key.x5t, change_reason=None, now=signed_at)
        return Issued(c.id, ident, base, rec, jws, sha, holder_code)

    def change(self, old: Issued, at: dt.datetime, **field_changes: str) -> Issued:
        with self.store.transaction() as uow:
            cert = uow.certificates.get(old.cert_id)
        version = cert.current_version + 1
        serial = cert.serial
        ident = identifier_for(TYPE, ISSUER, serial, version)
        rec = dict(old.record)
        rec.update(identifier=ident, version=version, previous=old.identifier,
                   signed_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        rec["fields"] = {**old.record["fields"], **field_changes}
        canon = canonical_json(rec)
        jws = sign_jws(canon, self.issuer.signer, self.issuer.cert_der, include_x5c=True,
                       typ="ecert-record+jws")
        sha = hashlib.sha256(canon).hexdigest()
        with self.store.transaction() as uow:
            uow.certificates.add_version(certificate_id=cert.id, version=version, identifier=ident,
                                         canonical=canon, jws=jws, sha256=sha,
                                         signing_cert=self.issuer.x5t, change_reason="变更", now=at)
            uow.certificates.update(cert.id, cert.row_version, at, current_version=version)
        return Issued(cert.id, ident, old.base, rec, jws, sha, old.holder_code)

    def set_status(self, issued: Issued, code: str, at: dt.datetime = T0) -> None:
        with self.store.transaction() as uow:
            cert = uow.certificates.get(issued.cert_id)
            uow.certificates.update(cert.id, cert.row_version, at, status=code)

    # -------------------------------------------------------------- QR and lists
    def qr_claims(self, issued: Issued, iat: dt.datetime = T0, spec: str = QR2) -> dict:
        """The claim set of docs/formats.md: ``ecert/qr/2`` (default) or legacy ``ecert/qr/1``."""
        r = issued.record
        rh = b64url(bytes.fromhex(issued.sha256)[:16])
        if spec == QR2:
            return {"spec": QR2, "id": issued.identifier, "h": mask_name(r["holder"]["name"]),
                    "hc": mask_code(r["holder"]["code"]), "vf": r["validity"]["from"],
                    "vt": r["validity"]["to"], "iat": int(iat.timestamp()), "rh": rh}
        return {"spec": "ecert/qr/1", "id": issued.identifier, "t": TYPE, "tn": r["type"]["name"],
                "h": mask_name(r["holder"]["name"]), "hc": mask_code(r["holder"]["code"]),
                "vf": r["validity"]["from"], "vt": r["validity"]["to"], "iss": ISSUER,
                "in": r["issuer"]["name"], "iat": int(iat.timestamp()), "rh": rh}

    def qr_url(self, issued: Issued, iat: dt.datetime = T0, key: Dept | None = None,
               claims: dict | None = None, path_id: str | None = None,
               spec: str = QR2) -> str:
        """The citizen URL; the header follows the claims' spec (v2: kid + typ eqr)."""
        key = key or self.issuer
        claims = claims or self.qr_claims(issued, iat, spec)
        if claims.get("spec") == QR2:
            jws = sign_qr2(canonical_json(claims), key.signer, key.cert_der)
        else:
            jws = sign_jws(canonical_json(claims), key.signer, key.cert_der, include_x5c=False,
                           typ="ecert-qr+jws")
        return f"https://ecert.example/v/{path_id or issued.identifier}#{jws}"

    def sign_list(self, payload: dict) -> str:
        return sign_document(payload, self.root_signer, self.root_der)
