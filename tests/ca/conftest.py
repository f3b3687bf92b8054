"""A test PKI shared by the ca tests: root, departments (good, second, expired,
revoked), TSA, OCSP responder, CRL, all written to a temporary directory.

Times follow the real clock (tests may read it; ``ca`` never does) so that the
openssl command-line checks, which use the real clock, agree.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ca.cert_profiles import (
    issue_client_cert,
    issue_department_cert,
    issue_ocsp_cert,
    issue_root_ca,
    issue_tsa_cert,
)
from ca.certs import describe_cert, pem
from ca.crl import build_crl
from ca.keystore import FileKeyStore, MemoryKeyStore
from ca.revocation import Reason, Revoked
from ca.signer import Signer

BASE_URL = "https://ecert.example.gov.cn"
USCC_A = "11540000MB0000000X"
USCC_B = "12540000MB0000001Y"
USCC_OLD = "11540000MB0000002Z"
USCC_REV = "11540000MB0000003A"
VENV_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"


@dataclass(frozen=True)
class Pki:
    dir: Path
    now: dt.datetime
    root_signer: Signer
    root: bytes
    dept_signer: Signer
    dept: bytes
    dept_b_signer: Signer
    dept_b: bytes
    expired_signer: Signer
    expired: bytes
    expired_issued_at: dt.datetime
    revoked_signer: Signer
    revoked: bytes
    revoked_at: dt.datetime
    client: bytes
    tsa_signer: Signer
    tsa: bytes
    ocsp_signer: Signer
    ocsp: bytes
    crl: bytes

    def path(self, name: str) -> Path:
        return self.dir / name


def tool(name: str) -> str:
    """A console script from the venv, or a system tool."""
    venv = VENV_BIN / name
    if venv.exists():
        return str(venv)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def run(*args: str | Path, check: bool = True, input: bytes | None = None
        ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          input=input.decode() if input else None, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    long_ago = now - dt.timedelta(days=800)
    files = FileKeyStore(d / "keys", b"test passphrase, not for production")
    mem = MemoryKeyStore()
    root_signer = files.generate("root")
    root = issue_root_ca(root_signer, "ecert 测试根 CA", long_ago, years=20,
                         organization="西藏自治区电子证照测试")
    dept_signer = files.generate("dept-a")
    dept = issue_department_cert(root_signer, root, dept_signer.public_key_der,
                                 "西藏自治区商务厅", USCC_A, BASE_URL, None,
                                 now - dt.timedelta(hours=1))
    dept_b_signer = mem.generate("dept-b")
    dept_b = issue_department_cert(root_signer, root, dept_b_signer.public_key_der,
                                   "西藏自治区人力资源和社会保障厅", USCC_B, BASE_URL, None,
                                   now - dt.timedelta(hours=1))
    expired_signer = mem.generate("dept-old")
    expired_issued_at = now - dt.timedelta(days=500)
    expired = issue_department_cert(root_signer, root, expired_signer.public_key_der,
                                    "西藏自治区文化厅", USCC_OLD, BASE_URL, None,
                                    expired_issued_at, years=1)
    revoked_signer = mem.generate("dept-rev")
    revoked = issue_department_cert(root_signer, root, revoked_signer.public_key_der,
                                    "西藏自治区教育厅", USCC_REV, BASE_URL, None,
                                    now - dt.timedelta(days=3))
    revoked_at = now - dt.timedelta(days=1)
    client = issue_client_cert(root_signer, root, dept_signer.public_key_der,
                               "西藏自治区商务厅", USCC_A, BASE_URL, None,
                               now - dt.timedelta(hours=1))
    tsa_signer = mem.generate("tsa")
    tsa = issue_tsa_cert(root_signer, root, tsa_signer.public_key_der, "ecert 时间戳服务",
                         BASE_URL, None, long_ago, years=10)
    ocsp_signer = mem.generate("ocsp")
    ocsp = issue_ocsp_cert(root_signer, root, ocsp_signer.public_key_der, "ecert OCSP",
                           None, long_ago, days=1000)
    crl = build_crl(root_signer, root,
                    [Revoked(describe_cert(revoked).serial, revoked_at, Reason.KEY_COMPROMISE)],
                    7, now - dt.timedelta(minutes=5), now + dt.timedelta(days=7))
    pki = Pki(d, now, root_signer, root, dept_signer, dept, dept_b_signer, dept_b,
              expired_signer, expired, expired_issued_at, revoked_signer, revoked,
              revoked_at, client, tsa_signer, tsa, ocsp_signer, ocsp, crl)
    for name in ("root", "dept", "dept_b", "expired", "revoked", "client", "tsa", "ocsp"):
        der = getattr(pki, name)
        (d / f"{name}.pem").write_text(pem(der))
        (d / f"{name}.der").write_bytes(der)
    (d / "crl.der").write_bytes(crl)
    run("openssl", "crl", "-inform", "DER", "-in", d / "crl.der", "-out", d / "crl.pem")
    return pki


@pytest.fixture(scope="session")
def small_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawString(72, 770, "ecert test certificate")
    c.drawString(72, 750, "1.2.156.3005.2.TEST.0001")
    c.showPage()
    c.save()
    return buf.getvalue()
