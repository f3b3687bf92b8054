"""Administration: departments, signing keys and API tokens (admin role)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from audit_log.actor import Actor
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.http.routes import seals
from ecert.http.schemas import (
    DepartmentIn,
    DepartmentOut,
    NewTokenOut,
    RotateIn,
    SigningCertOut,
    SucceedIn,
    TokenIn,
    TokenOut,
)

router = APIRouter(prefix="/api/v1", tags=["admin"])
ADMIN = Depends(allow("admin"))


@router.post("/departments", status_code=201, response_model=DepartmentOut)
def add_department(body: DepartmentIn, p: PlatformDep, actor: Actor = ADMIN) -> DepartmentOut:
    rec = p.add_department(body.code, body.name, body.supervisor, actor)
    return DepartmentOut.model_validate(rec, from_attributes=True)


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(platform: PlatformDep,
                     actor: Actor = Depends(allow("admin", "issuer", "user", "auditor"))
                     ) -> list[DepartmentOut]:
    return [DepartmentOut.model_validate(r, from_attributes=True)
            for r in platform.list_departments()]


def _cert_out(rec: object) -> SigningCertOut:
    return SigningCertOut(serial=str(rec.serial), x5t_s256=rec.x5t_s256,  # type: ignore[attr-defined]
                          not_before=rec.not_before, not_after=rec.not_after,  # type: ignore[attr-defined]
                          state=rec.state, revoked_at=rec.revoked_at,  # type: ignore[attr-defined]
                          revocation_reason=rec.revocation_reason)  # type: ignore[attr-defined]


@router.post("/departments/{code}/rotate-key", response_model=SigningCertOut)
def rotate_key(code: str, body: RotateIn, p: PlatformDep, actor: Actor = ADMIN) -> SigningCertOut:
    return _cert_out(p.rotate_key(code, actor, body.revoke_reason))


@router.post("/departments/{code}/succeed", response_model=DepartmentOut)
def succeed(code: str, body: SucceedIn, p: PlatformDep, actor: Actor = ADMIN) -> DepartmentOut:
    rec = p.succeed(code, body.successor, actor)
    return DepartmentOut.model_validate(rec, from_attributes=True)


@router.post("/tokens", status_code=201, response_model=NewTokenOut)
def create_token(body: TokenIn, p: PlatformDep, actor: Actor = ADMIN) -> NewTokenOut:
    new = p.create_token(role=body.role, dept_code=body.dept, holder_code=body.holder_code,
                         label=body.label, ttl_days=body.ttl_days, actor=actor,
                         operator_id=body.operator)
    return NewTokenOut(token=new.secret, **TokenOut.model_validate(
        new.record, from_attributes=True).model_dump())


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(platform: PlatformDep, actor: Actor = ADMIN) -> list[TokenOut]:
    return [TokenOut.model_validate(r, from_attributes=True)
            for r in platform.list_tokens()]


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: int, p: PlatformDep, actor: Actor = ADMIN) -> TokenOut:
    return TokenOut.model_validate(p.revoke_token(token_id, actor), from_attributes=True)


router.include_router(seals.router)  # seal images and specimens (routes/seals.py)
