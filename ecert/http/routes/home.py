"""The landing page: what the platform is and where each audience goes."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ecert.http.auth import public
from ecert.http.routes.pages import page, templates

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[Depends(public())])


# Swagger UI's own files, shipped inside the fastapi-offline package: the docs page works
# without any network access and under the pages' CSP.
APIDOCS_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "apidocs.html", {})


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return page(request, "home.html")
