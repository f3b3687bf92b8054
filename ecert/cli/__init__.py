"""The `ecert` command line: one module per command group, registered in `ecert.cli.main`."""
