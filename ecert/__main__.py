"""`python -m ecert` is the same as the `ecert` command."""

from ecert.cli.main import run

run()
