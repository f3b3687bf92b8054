"""The HTTP edge: the FastAPI app (`create_app`), routes, auth dependencies, RFC 9457 problems,
schemas, pages and the mutual-TLS transport. Nothing below `ecert.http` imports it."""
