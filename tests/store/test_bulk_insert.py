"""certificate_store.bulkinsert (issue 11): COPY on PostgreSQL, the driver's executemany on
SQLite — the same rows as a SQLAlchemy INSERT, the same refusals, the same list generations."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

NOW = dt.datetime(2026, 11, 30, 5, 0, 0, 123456, tzinfo=dt.UTC)


def _cert(i: int) -> dict[str, Any]:
    return {"base_identifier": f"T.I.{i}", "type_code": "1154000000000000X1001",
            "type_version": 1, "issuer_code": "11540000MB0000001X", "serial": str(i),
            "holder_hash": "h" * 64, "status": "01", "current_version": 1,
            "valid_from": NOW, "valid_to": None, "source_key": f"k\t\"{i}\\\n'",
            "created_at": NOW, "updated_at": NOW, "status_index": i}


def _events(ids: list[int]) -> list[dict[str, Any]]:
    # no `reason`, no `details`: the columns' Python defaults ("" and "{}") fill them
    return [{"certificate_id": c, "at": NOW, "event": "issue", "from_status": None,
             "to_status": "01", "version": 1, "actor": "批量 导入", "actor_dept": None,
             "sha256": "0" * 64} for c in ids]


def test_rows_as_an_insert_would_store_them(store: Any) -> None:
    from certificate_store.bulkinsert import COPY_MIN_ROWS, insert_rows
    from certificate_store.models.certificates import Certificate, StatusEvent

    n = COPY_MIN_ROWS + 4
    with store.transaction() as uow:
        before = uow.list_generations()["status"]
        ids = uow.certificates.create_many([_cert(i) for i in range(n)])  # the bulk path
        s = uow._session
        insert_rows(s, cast(Table, StatusEvent.__table__), _events(ids))
    with store.transaction() as uow:
        s = uow._session
        s.execute(insert(cast(Table, Certificate.__table__)),  # the plain INSERT, to compare
                  [{**_cert(1000 + i), "current_version": 1, "row_version": 1} for i in range(2)])
        assert uow.list_generations()["status"] > before
        rows = s.execute(select(Certificate).order_by(Certificate.id)).scalars().all()
        got = [(r.base_identifier, r.source_key, r.valid_from, r.valid_to, r.row_version,
                r.status_index) for r in rows]
        assert got[:n] == [(f"T.I.{i}", f"k\t\"{i}\\\n'", NOW, None, 1, i) for i in range(n)]
        assert got[n][2:] == got[0][2:4] + (1, 1000)  # the same values as the INSERT stored
        events = s.execute(select(StatusEvent.reason, StatusEvent.details, StatusEvent.actor,
                                  StatusEvent.at)).all()
        assert {tuple(e) for e in events} == {("", "{}", "批量 导入", NOW)}
        assert len(events) == n
        # stored in the form a bound datetime compares with (SQLite compares text)
        for col in (StatusEvent.at, Certificate.created_at):
            q = select(col).where(col >= NOW, col <= NOW, col > NOW - dt.timedelta(microseconds=1))
            assert len(s.execute(q).all()) == (n if col is StatusEvent.at else n + 2)


def test_refusals_are_those_of_an_insert(store: Any) -> None:
    from certificate_store.bulkinsert import COPY_MIN_ROWS, insert_rows
    from certificate_store.errors import Conflict
    from certificate_store.models.certificates import StatusEvent

    n = COPY_MIN_ROWS + 1
    with store.transaction() as uow:
        ids = uow.certificates.create_many([_cert(i) for i in range(n)])
    with pytest.raises(Conflict), store.transaction() as uow:  # a taken base identifier
        uow.certificates.create_many([_cert(n + i) for i in range(n)] + [_cert(0)])
    with store.transaction() as uow:  # nothing of the refused batch was kept
        assert uow.certificates.by_base(f"T.I.{n}") is None
    naive = [{**e, "at": NOW.replace(tzinfo=None)} for e in _events(ids)]
    with pytest.raises(Exception) as err, store.transaction() as uow:
        insert_rows(uow._session, cast(Table, StatusEvent.__table__), naive)
    assert "naive" in str(err.value)
    with pytest.raises(IntegrityError), store.transaction() as uow:  # no such certificate
        insert_rows(uow._session, cast(Table, StatusEvent.__table__), _events([10**6] * n))


def test_values_shared_by_rows_are_converted_once_and_right(store: Any) -> None:
    """Bind processing remembers its last value (rows of a batch share their `now`): values
    that alternate, repeat out of order, or are equal but distinct objects all arrive."""
    from certificate_store.models.certificates import Certificate

    days = [NOW + dt.timedelta(days=d) for d in (0, 1, 0, 2, 2)]
    days[4] = NOW + dt.timedelta(days=2)  # equal to days[3], another object
    rows = [{**_cert(i), "valid_from": days[i % 5], "valid_to": days[(i + 1) % 5]}
            for i in range(20)]
    with store.transaction() as uow:
        uow.certificates.create_many(rows)
    with store.transaction() as uow:
        got = uow._session.execute(select(Certificate.valid_from, Certificate.valid_to)
                                   .order_by(Certificate.id)).all()
    assert [tuple(r) for r in got] == [(days[i % 5], days[(i + 1) % 5]) for i in range(20)]


def test_holder_hash_is_hmac_sha256_of_the_normalised_code() -> None:
    import hashlib
    import hmac

    from certificate_store.personal import holder_hash

    for key in (b"k1", b"another key", b"k1"):
        for code in (" 54010219900101001x ", "91540000MB0000001X"):
            want = hmac.new(key, code.strip().upper().encode(), hashlib.sha256).hexdigest()
            assert holder_hash(code, key) == want
