"""Run an import in a child process (killed midway by test_issuer_imports)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # this tree's code, not the installed one

from issuer_helpers import (  # noqa: E402
    DEPT_A,
    TYPE_A,
    TestKeys,
    issuer_actor,
    make_world,
    run_import,
)

from certificate_store.db import Store  # noqa: E402


def main() -> None:
    db, src, rejects, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    keys = TestKeys()
    keys.enrol(DEPT_A, "测试厅")
    world = make_world(Store(f"sqlite:///{db}"), keys, enrol=False)
    r = run_import(world, Path(src), TYPE_A, issuer_actor(),
                    lambda: dt.datetime.now(dt.UTC), rejects_path=Path(rejects), batch_size=batch)
    print(r.rows_done, r.issued, r.skipped, r.rejected, r.resumed_from)


if __name__ == "__main__":
    main()
