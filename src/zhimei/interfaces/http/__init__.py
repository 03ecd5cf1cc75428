"""The HTTP API (FastAPI) and the server around the web studio. FastAPI, uvicorn and argon2 come
with the ``web`` extra and are imported only when an app is made."""

from zhimei.interfaces.http.app import create_app
from zhimei.interfaces.http.options import ServerOptions

__all__ = ["ServerOptions", "create_app"]
