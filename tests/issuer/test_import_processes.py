"""An import whose rows are validated and drafted in a child process (`processes=2`,
`issuer.draftpool`) stores exactly what the per-row path stores — rows, records, audit
entries, rejects — and resumes the same after an interruption (issue 11, B1)."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from issuer_helpers import DEPT_A, NOW, TYPE_A, World, issuer_actor, person, sqlite_store
from issuer_helpers import run_import as drive
from test_import_speed_batch import (  # noqa: F401  (sequential_indexes: a fixture)
    _per_row,
    dump,
    sequential_indexes,
    source_rows,
    twin,
    write_csv,
)

from issuer.draftpool import DraftJob, DraftPool
from issuer.drafts import Draft
from issuer.errors import InvalidCertificateData

A = issuer_actor()


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """The child is waited for before the first batch (a started child otherwise takes
    batches only once it has imported what it needs); yields, per batch that went to the
    child, whether its drafts came back."""
    shipped: list[bool] = []
    ready, result = DraftPool.ready.fget, DraftJob.result  # type: ignore[attr-defined]

    def wait_ready(self: DraftPool) -> bool:
        concurrent.futures.wait(self._warm)
        return bool(ready(self))

    def counted(self: DraftJob) -> Any:
        out = result(self)
        shipped.append(out is not None)
        return out

    monkeypatch.setattr(DraftPool, "ready", property(wait_ready))
    monkeypatch.setattr(DraftJob, "result", counted)
    yield shipped


def _import(world: World, src: Path, rejects: Path, processes: int, **kw: Any
            ) -> tuple[int, ...]:
    r = drive(world, src, TYPE_A, A, lambda: NOW, rejects_path=rejects, batch_size=25,
              processes=processes, **kw)
    return (r.rows_done, r.issued, r.skipped, r.rejected)


@pytest.mark.usefixtures("sequential_indexes")
def test_pooled_import_matches_per_row_path(world: World, tmp_path: Path,
                                            pooled: list[bool]) -> None:
    ref = twin(world, sqlite_store(tmp_path / "ref.db"))
    _per_row(ref)
    for w in (world, ref):
        w.svc.issue(A, TYPE_A, {"holder": person(2), "fields": {"area": "餐饮", "level": 3}},
                    NOW, source_key="old-2")
    src = tmp_path / "in.csv"
    write_csv(src, source_rows(120))
    got = _import(world, src, tmp_path / "rej.csv", processes=2)
    want = _import(ref, src, tmp_path / "rej-ref.csv", processes=1)
    assert got == want
    assert got[1] > 90 and got[2] == 4 and got[3] > 5
    assert len(pooled) >= 4 and all(pooled)  # the batches went through the child
    assert (tmp_path / "rej.csv").read_bytes() == (tmp_path / "rej-ref.csv").read_bytes()
    a, b = dump(world.store), dump(ref.store)
    for table in a:
        assert a[table] == b[table], table
    ref.store.dispose()


class Interrupted(Exception):
    pass


@pytest.mark.usefixtures("sequential_indexes")
def test_pooled_import_resumes_where_it_stopped(world: World, tmp_path: Path,
                                                pooled: list[bool]) -> None:
    ref = twin(world, sqlite_store(tmp_path / "ref.db"))
    src = tmp_path / "in.csv"
    write_csv(src, source_rows(150))
    seen: list[int] = []

    def stop_after_three(p: Any) -> None:
        seen.append(p.rows_done)
        if len(seen) == 3:
            raise Interrupted  # like a crash between batches: three batches committed

    with pytest.raises(Interrupted):
        _import(world, src, tmp_path / "rej.csv", processes=2, progress=stop_after_three)
    got = _import(world, src, tmp_path / "rej.csv", processes=2)
    want = _import(ref, src, tmp_path / "rej-ref.csv", processes=1)
    assert got == want
    assert (tmp_path / "rej.csv").read_bytes() == (tmp_path / "rej-ref.csv").read_bytes()
    a, b = dump(world.store), dump(ref.store)
    for table in a:
        assert a[table] == b[table], table
    assert any(pooled)
    ref.store.dispose()


def test_refusals_come_back_with_their_field_errors(world: World) -> None:
    """Pickling an exception keeps only its message: the child ships the per-field errors."""
    with world.store.transaction() as uow:
        ctx, _ = world.service.bulk.draft_context(uow, DEPT_A, TYPE_A, NOW.date())
    pool = DraftPool(1)
    try:
        job = pool.submit(ctx, [{"holder_name": "张三", "holder_code": person(1)["code"],
                                 "area": "餐饮", "level": "x"},
                                {"holder_name": "张三", "holder_code": person(1)["code"],
                                 "area": "餐饮", "level": "2", "source_key": "k"}])
        assert job is not None
        shipped = job.result()
    finally:
        pool.close()
    assert shipped is not None
    bad, good = shipped.drafts
    assert isinstance(bad, InvalidCertificateData)
    assert [e["field"] for e in bad.errors] == ["level"]
    assert isinstance(good, Draft)
    assert shipped.requests[1][1] == "k" and good.data.fields == {"area": "餐饮", "level": 2}
