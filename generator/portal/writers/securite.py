"""``/.well-known/security.txt`` (RFC 9116): where to report a vulnerability, until when the file holds, in which
languages, and its own address."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ...config import Config
from .. import urls


def contact(config: Config) -> str:
    """The configured contact, else the forge's private report of the content's repository."""
    if config.contact_securite:
        return config.contact_securite
    if config.cms_backend == "gitlab":
        return f"https://gitlab.com/{config.cms_depot}/-/issues/new?issue[confidential]=true"
    return f"https://github.com/{config.cms_depot}/security/advisories/new"


def text(config: Config, site_url: str, today: dt.date) -> str:
    expires = dt.datetime.combine(today + dt.timedelta(days=365), dt.time(), dt.timezone.utc)
    return (f"Contact: {contact(config)}\n"
            f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
            "Preferred-Languages: fr, en\n"
            f"Canonical: {urls.absolute(site_url, urls.SECURITY_TXT)}\n")


def write(config: Config, out: Path, site_url: str, today: dt.date) -> None:
    target = out / urls.SECURITY_TXT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text(config, site_url, today), encoding="utf-8")
