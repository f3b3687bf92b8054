"""The archive README names paths that exist: the platform URLs it sends a reader to answer,
and the files it names inside the zip are there (it once pointed to /pki/root.pem, a 404)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from issuer.archive import README
from tests.web.conftest import ISS, World

URL_PATH = re.compile(r"(?<![\w.])(/pki/[\w./-]+\w)")
ZIP_PATH = re.compile(r"(?<![/\w])((?:certificates|pki|audit)/[\w<>#./-]+|manifest\.json)")


def test_every_platform_path_in_the_readme_is_served(world: World) -> None:
    paths = set(URL_PATH.findall(README))
    assert "/pki/ca.pem" in paths
    for path in paths:
        r = world.client.get(path)
        assert r.status_code == 200, path


def test_every_file_the_readme_names_is_in_the_archive(world: World, tmp_path: Path) -> None:
    from ecert.cli.common import cli_actor
    from ecert.services import issuing

    world.issue(name="拉巴")
    out = tmp_path / "a.zip"
    issuing.archive(world.platform, ISS, out, cli_actor())
    names = zipfile.ZipFile(out).namelist()
    named = set(ZIP_PATH.findall(README))
    assert {"manifest.json", "audit/sth.json", "audit/entries.jsonl"} <= named
    for path in named:  # <base>, <x5t#S256> and NNN stand for any one path segment
        rx = re.compile("^" + re.sub(r"<[^>]+>|NNN", "[^/]+", re.escape(path).replace(
            r"\<", "<").replace(r"\>", ">").replace(r"\#", "#")) + "$")
        assert any(rx.match(n) for n in names), (path, names[:10])
