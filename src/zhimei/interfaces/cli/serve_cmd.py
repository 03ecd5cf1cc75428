"""zhimei serve: the web studio and HTTP API; zhimei passwd: set a studio password."""

from __future__ import annotations

import dataclasses
import ipaddress
import secrets
import sys
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from zhimei.errors import ExtraMissingError, InputError
from zhimei.interfaces.cli.common import err, get_zhimei

if TYPE_CHECKING:
    from zhimei.api import Zhimei

__all__ = ["passwd", "serve"]


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    if not line:
        raise InputError("no password on standard input", "pipe it in, or run in a terminal to be asked")
    return line.rstrip("\r\n")


def _first_admin(zm: Zhimei, url: str) -> str | None:
    """Make sure an admin can sign in: ask in a terminal, else return a setup code for the studio."""
    if not zm.auth_setup_needed():
        return None
    admins = [u.name for u in zm.users_list() if u.role == "admin"]
    if sys.stdin.isatty():
        err.print("first start: no admin can sign in to the studio yet")
        name = admins[0] if admins else str(typer.prompt("name of the first admin", default="admin"))
        if not admins:
            zm.users_add(name, "admin")
        zm.auth_set_password(name, _read_password(f"password for {name}"))
        err.print(f"admin {name} can sign in now")
        return None
    code = secrets.token_urlsafe(9)
    who = f"the admin {admins[0]}" if admins else "the first admin"
    err.print(f"first start: open {url}/setup and set {who}'s password with setup code: {code}")
    return code


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    https: Annotated[
        bool,
        typer.Option("--https", help="the studio is reached over https (a proxy in front): Secure cookies"),
    ] = False,
    worker: Annotated[
        bool, typer.Option(help="run queued jobs (ingest, auto-drafts) in this process")
    ] = True,
    slots: Annotated[int, typer.Option(min=1, max=64, help="generations running at once")] = 1,
    queue: Annotated[int, typer.Option(min=0, max=1000, help="generations waiting before 429")] = 4,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1, max=200, help="requests doing their (blocking) work at once [default: slots + queue + 4]"
        ),
    ] = None,
) -> None:
    """Serve the web studio and the HTTP API (OpenAPI at /openapi.json) until interrupted.

    On first start with no admin able to sign in, asks for one in a terminal, or prints a
    one-time setup code for the studio's /setup page.
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise ExtraMissingError("uvicorn", "web") from exc
    from zhimei.api import Zhimei
    from zhimei.interfaces.http import ServerOptions, create_app

    zm = get_zhimei(ctx)
    url = f"http{'s' if https else ''}://{host if ':' not in host else f'[{host}]'}:{port}"
    code = _first_admin(zm, url)
    options = ServerOptions(https=https, generation_slots=slots, generation_queue=queue, setup_code=code)
    if threads is not None:
        options = dataclasses.replace(options, request_threads=threads)
    app = create_app(zm, options)
    if not _loopback(host) and not https:
        err.print("warning: listening beyond this machine without --https: sessions travel in clear text")
    jobs = Zhimei(zm.settings).worker() if worker else None
    thread = threading.Thread(target=jobs.run, name="zhimei-jobs", daemon=True) if jobs else None
    if thread:
        thread.start()
    err.print(f"zhimei studio on {url}  (Ctrl+C to stop)")
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    try:
        server.run()
    finally:
        if jobs and thread:
            jobs.stop()
            thread.join(timeout=10)


def passwd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="user whose studio password to set")],
    by: Annotated[str | None, typer.Option("--by", help="acting admin (default: setting 'user')")] = None,
) -> None:
    """Set a user's studio password (asked twice in a terminal, else one line on standard input).

    An admin sets anyone's; before any admin can sign in, an admin's own needs no --by.
    """
    zm = get_zhimei(ctx)
    zm.auth_set_password(name, _read_password(f"new password for {name}"), by=by or zm.settings.user)
    err.print(f"password of {name} set; their studio sessions ended")
