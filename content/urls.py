"""URL checks shared by the loader and the tests."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_well_formed(url: str) -> bool:
    """An absolute http(s) URL with a host and no white space."""
    if not url or any(ch.isspace() for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and "." in parts.netloc and not parts.netloc.endswith(".")


def canonical_key(url: str) -> str:
    """The identity of a link, for de-duplication.

    The seed names the same page as ``www.mensenhandel.nl``,
    ``http://www.mensenhandel.nl/`` and ``http://mensenhandel.nl``; they are one
    resource. Scheme, a leading ``www.``, the host's case and a trailing slash
    do not count; the path's case and the query do.
    """
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return host + path + (("?" + parts.query) if parts.query else "")
