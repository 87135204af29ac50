"""How Telegram checks and normalises the URLs a bot sends.

An approximation of tdlib's ``LinkManager::check_link``: a link without a scheme
gets ``http://``; http(s) links need a host with a dot (or an IP address) and
are rebuilt with a lower-case host and at least ``/`` as path; ``tg:``, ``ton:``
and ``tonsite:`` links are kept; any other scheme is refused.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_OTHER_SCHEMES = frozenset({"tg", "ton", "tonsite"})
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$|^xn--[a-z0-9-]+$")


@dataclass(frozen=True)
class LinkCheck:
    url: str | None
    error: str | None


def _is_valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if len(labels) < 2:
        return False
    if not all(_LABEL.match(label) for label in labels):
        return False
    tld = labels[-1]
    return tld.isalpha() or tld.startswith("xn--")


def check_link(url: str, *, http_only: bool = False) -> LinkCheck:
    """Check ``url`` as tdlib would; ``error`` uses tdlib's wording."""
    link = url.strip()
    if "://" not in link and not re.match(r"^(tg|ton|tonsite):", link, re.IGNORECASE):
        link = "http://" + link
    try:
        parts = urlsplit(link)
    except ValueError:
        return LinkCheck(None, "Wrong HTTP URL")
    scheme = parts.scheme.lower()
    if scheme in _OTHER_SCHEMES and not http_only:
        return LinkCheck(link, None)
    if scheme not in ("http", "https"):
        return LinkCheck(None, "Unsupported URL protocol")
    try:
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return LinkCheck(None, "Wrong port number specified in the URL")
    if not host:
        return LinkCheck(None, "URL host is empty")
    if not _is_valid_host(host) or any(ch.isspace() for ch in link):
        return LinkCheck(None, "Wrong HTTP URL")
    netloc = host if port is None else f"{host}:{port}"
    rebuilt = f"{scheme}://{netloc}{parts.path or '/'}"
    if parts.query:
        rebuilt += "?" + parts.query
    if parts.fragment:
        rebuilt += "#" + parts.fragment
    return LinkCheck(rebuilt, None)


def user_id_of_link(url: str) -> int | None:
    """The user id of a ``tg://user?id=<id>`` link, as in an HTML mention."""
    match = re.fullmatch(r"tg://user\?id=(\d{1,15})", url.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None
