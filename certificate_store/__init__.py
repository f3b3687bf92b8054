"""Central e-certificate store (Art. 9, 11): persistence only.

ORM rows never leave this package: repositories return frozen dataclasses from
`certificate_store.records`.
"""

from certificate_store.db import Store, UnitOfWork

__all__ = ["Store", "UnitOfWork"]
