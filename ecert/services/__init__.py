"""Glue per audience (verifiers, holders, auditors, PKI clients, operators), shared by the HTTP
edge and the CLI. Framework-free: no FastAPI, Starlette or uvicorn here."""
