"""WEB_ADDRESS: where the quick start's web server listens, in one variable.

`WEB_ADDRESS` is `PORT`, `HOST:PORT` or `[IPv6]:PORT` (default `127.0.0.1:8000`). runserver binds to
it, the quick-start banner prints it, `ALLOWED_HOSTS` accepts its host, and unless `SITE_URL` is set
it is the base of the links in emails. Standard library only: `config/dev.py` loads this file
before the virtualenv exists."""

from __future__ import annotations

DEFAULT = "127.0.0.1:8000"
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]"}  # noqa: S104 - mapped to loopback for links


def parse(value: str | None) -> tuple[str, int]:
    """(host, port) from `PORT`, `HOST:PORT` or `[IPv6]:PORT`; ValueError naming the variable."""
    text = (value or "").strip() or DEFAULT
    if text.isdigit():
        host, port = "127.0.0.1", text
    elif text.startswith("["):
        inside, closing, port = text[1:].partition("]:")
        host = f"[{inside}]" if closing and inside else ""
    else:
        host, _, port = text.rpartition(":")
    if not host or (":" in host and not host.startswith("[")) or not port.isdigit():
        raise ValueError(f"WEB_ADDRESS={value!r}: use PORT, HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8000.")
    if not 0 < int(port) < 65536:
        raise ValueError(f"WEB_ADDRESS={value!r}: the port must be between 1 and 65535.")
    return host, int(port)


def bind(value: str | None) -> str:
    """What runserver listens on: `HOST:PORT`."""
    host, port = parse(value)
    return f"{host}:{port}"


def host(value: str | None) -> str:
    """The host part, as ALLOWED_HOSTS spells it (IPv6 in brackets)."""
    return parse(value)[0]


def public_url(value: str | None) -> str:
    """The base URL people open (a wildcard bind is reached on loopback): `http://HOST:PORT`."""
    host_part, port = parse(value)
    return f"http://{_WILDCARDS.get(host_part, host_part)}:{port}"
