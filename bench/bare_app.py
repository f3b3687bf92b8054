"""B2's reference: a bare FastAPI app answering `/pki/ca.pem` with fixed bytes, served by the
same uvicorn as `ecert serve`. The bytes are read from `BENCH_CA_PEM` (a file) at start."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

app = FastAPI()
BODY = Path(os.environ.get("BENCH_CA_PEM", "/dev/null")).read_bytes()


@app.get("/pki/ca.pem")
def ca_pem() -> Response:
    return Response(BODY, media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=86400"})
