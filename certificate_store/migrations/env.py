"""Alembic environment: the engine comes from the caller (Store), never from a global."""

from alembic import context

from certificate_store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic revision --autogenerate` run by developers
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")

with engine.connect() as connection:
    # SQLite: batch migrations copy a table and drop the old one, which foreign keys forbid
    # while child rows exist (a database with data could not be upgraded). Off for the
    # migration (outside any transaction: the pragma is a no-op inside one), checked after,
    # and back on before the connection returns to the pool.
    raw = connection.connection.dbapi_connection if engine.dialect.name == "sqlite" else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if raw is not None:
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")
