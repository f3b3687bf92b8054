"""/metrics on a running `ecert serve`, parsed with prometheus-client's own parser; several
workers add up through PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.api.conftest import free_port
from tests.api.helpers import training_request
from tests.deploy.conftest import PROXY_ADDR, Stack, _wait


def scrape(url: str) -> dict[str, list[Sample]]:
    res = httpx.get(url + "/metrics", timeout=30)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/plain")
    return {f.name: f.samples for f in text_string_to_metric_families(res.text)}


def value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    found = [s.value for family in samples.values() for s in family
             if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_requests_issuance_verification_and_platform_figures(stack: Stack) -> None:
    with stack.client(stack.issuer) as c:
        res = c.post("/api/v1/certificates", json=training_request(51))
        assert res.status_code == 201, res.text
        ident = res.json()["identifier"]
        assert c.get(f"/api/v1/public/status/{ident}").json()["verdict"] == "valid"
        refused = training_request(52)
        refused["type"] = refused["type"][:-3] + "999"  # a type nobody defined: refused
        assert c.post("/api/v1/certificates", json=refused).status_code >= 400
        assert c.get("/pki/status-list").status_code == 200
    m = scrape(stack.ecert_url)
    assert value(m, "ecert_http_requests_total", method="POST", route="/api/v1/certificates",
                 status="201") >= 1
    assert value(m, "ecert_http_requests_total", method="GET",
                 route="/api/v1/public/status/{identifier}", status="200") >= 1
    assert value(m, "ecert_http_request_duration_seconds_count", method="POST",
                 route="/api/v1/certificates") >= 2
    buckets = [s for s in m["ecert_http_request_duration_seconds"]
               if s.name.endswith("_bucket") and s.labels["route"] == "/api/v1/certificates"]
    assert any(s.labels["le"] == "+Inf" for s in buckets)
    assert value(m, "ecert_issuance_total", outcome="issued") >= 1
    assert sum(s.value for s in m["ecert_issuance"] if s.name == "ecert_issuance_total"
               and s.labels["outcome"] != "issued") >= 1
    assert value(m, "ecert_verifications_total", verdict="valid") >= 1
    assert value(m, "ecert_audit_log_entries") > 0
    assert value(m, "ecert_audit_tree_head_size") > 0
    assert 0 <= value(m, "ecert_audit_tree_head_age_seconds") < 24 * 3600
    for kind in ("trust", "status"):
        assert value(m, "ecert_list_age_seconds", list=kind) >= 0
        assert value(m, "ecert_list_seconds_to_next_update", list=kind) > 0
    assert value(m, "ecert_notifications_pending") >= 0
    assert value(m, "ecert_imports_running") == 0
    assert value(m, "ecert_pdfs_withheld") == 0
    for check in ("database", "keys", "lists"):
        assert value(m, "ecert_ready", check=check) == 1
    # label values are route templates, never paths with values in them
    routes = {s.labels["route"] for s in m["ecert_http_requests"]}
    assert not any(ident in r for r in routes)


def test_metrics_only_for_the_allowed_addresses(stack: Stack) -> None:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=PROXY_ADDR)) as c:
        res = c.get(stack.ecert_url + "/metrics")
    assert res.status_code == 404  # to anyone else it does not exist
    assert res.headers["content-type"].startswith("application/problem+json")
    with stack.client() as c:  # nginx never serves it
        assert c.get("/metrics").status_code == 404


@pytest.fixture(scope="module")
def workers(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The same data dir served by `ecert serve --workers 2` (housekeeping off, as the systemd
    unit runs it)."""
    mp = tmp_path_factory.mktemp("multiproc")
    (mp / "stale_counter_999.db").write_bytes(b"left over from an earlier run")
    port = free_port()
    env = {**stack.env, "ECERT_HOUSEKEEPING": "off", "PROMETHEUS_MULTIPROC_DIR": str(mp)}
    proc = subprocess.Popen([sys.executable, "-m", "ecert", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "2"], env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + "/healthz", proc)
        yield url, mp
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_several_workers_add_up(workers: tuple[str, Path]) -> None:
    url, mp = workers
    n = 12
    with httpx.Client() as c:  # new connections: the kernel spreads them over both workers
        for _ in range(n):
            assert c.get(url + "/pki/ca.pem", headers={"Connection": "close"}).status_code == 200
    assert not (mp / "stale_counter_999.db").exists()  # emptied at start
    assert len(list(mp.glob("counter_*.db"))) >= 1
    for _ in range(3):  # whichever worker answers the scrape, the sum is the same
        m = scrape(url)
        assert value(m, "ecert_http_requests_total", method="GET", route="/pki/ca.pem",
                     status="200") == n
