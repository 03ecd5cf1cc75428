"""The HTTP API's routers, one module per aggregate; each exposes ``router(deps)``."""

__all__: list[str] = []
