"""deploy/prometheus: the alert rules load in Prometheus' own checker and fire (and stay quiet)
as their unit tests say; every series they use is one ecert exports."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO

PROM = REPO / "deploy" / "prometheus"
EXPORTED = {"ecert_http_requests_total", "ecert_http_request_duration_seconds_bucket",
            "ecert_audit_tree_head_age_seconds", "ecert_list_seconds_to_next_update",
            "ecert_ready", "ecert_notifications_pending", "up"}


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is missing (Debian: apt-get install prometheus)")
    return found


def test_rules_check() -> None:
    res = subprocess.run([_promtool(), "check", "rules", str(PROM / "alerts.yml")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


def test_rules_fire_as_their_tests_say() -> None:
    res = subprocess.run([_promtool(), "test", "rules", "alerts_test.yml"], cwd=PROM,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


def test_rules_name_the_documented_alerts_and_exported_series() -> None:
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())["groups"][0]["rules"]
    names = {r["alert"] for r in rules}
    assert {"EcertTreeHeadStale", "EcertStatusListStale", "EcertHsmUnreachable",
            "EcertHigh5xxRate"} <= names
    used = {m for r in rules for m in re.findall(r"\b(ecert_[a-z_]+|up)\b(?=[{\s)]|$)", r["expr"])}
    assert used <= EXPORTED, used - EXPORTED
    docs = (REPO / "docs" / "operations.md").read_text()
    assert all(n in docs for n in names)
