"""The landing page: what the platform is and where each audience goes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ecert.auth import public
from ecert.routes.pages import templates

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[Depends(public())])


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", {})
