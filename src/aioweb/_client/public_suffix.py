"""A compact, offline public-suffix check for the cookie jar (RFC 6265 s5.3 step 5).

A cookie whose ``Domain`` attribute is a public suffix would be sent to every site under
that suffix (``Domain=co.uk`` reaches every British company), so the jar refuses it. The
authoritative list is Mozilla's Public Suffix List (https://publicsuffix.org/list/), about
10,000 rules that change weekly; aioweb never touches the network and does not vendor it.
Instead it knows two things:

* every single-label name (``com``, ``uk``, ``local``) is a public suffix, which is the
  PSL's own default rule ``*`` and covers every top-level domain; and
* :data:`PUBLIC_SUFFIXES`, the multi-label suffixes under which most registrations happen:
  the second-level "company/organisation/government" labels of the largest country-code
  domains, plus the biggest shared-hosting domains from the PSL's private section, where
  strangers' sites are siblings (``alice.github.io`` and ``mallory.github.io``).

A suffix missing from this set only weakens isolation between sites registered under it;
applications that need the full list can subclass the jar and override
``CookieJar._is_public_suffix``.
"""

from __future__ import annotations

from typing import Final

__all__ = ["PUBLIC_SUFFIXES", "is_public_suffix"]


def _expand(tld: str, labels: str) -> set[str]:
    return {f"{label}.{tld}" for label in labels.split()}


#: Multi-label public suffixes known without the full list, in lower-case ASCII.
PUBLIC_SUFFIXES: Final[frozenset[str]] = frozenset(
    {
        # ICANN section: second-level labels of country-code domains.
        *_expand("uk", "co org me ltd plc net ac gov nhs police sch"),
        *_expand("au", "com net org edu gov asn id"),
        *_expand("jp", "co ne or ac ad ed go gr lg"),
        *_expand("cn", "com net org gov edu ac mil"),
        *_expand("br", "com net org gov edu art blog eco"),
        *_expand("nz", "co net org govt ac school geek gen kiwi maori"),
        *_expand("in", "co net org firm gen ind ac edu gov res"),
        *_expand("za", "co org net gov ac edu web"),
        *_expand("tw", "com net org edu gov idv"),
        *_expand("hk", "com net org edu gov idv"),
        *_expand("kr", "co or ne go ac re pe"),
        *_expand("mx", "com net org gob edu"),
        *_expand("ar", "com net org gob edu int"),
        *_expand("tr", "com net org gov edu gen biz info"),
        *_expand("sg", "com net org gov edu per"),
        *_expand("my", "com net org gov edu name"),
        *_expand("il", "co org net ac gov muni"),
        *_expand("id", "co or ac go web net sch"),
        *_expand("th", "co in ac go or net"),
        *_expand("ua", "com org net gov edu in"),
        *_expand("pl", "com net org gov edu info biz"),
        *_expand("es", "com org nom gob edu"),
        *_expand("eg", "com net org gov edu"),
        *_expand("pk", "com net org gov edu"),
        *_expand("ng", "com net org gov edu"),
        *_expand("vn", "com net org gov edu"),
        *_expand("ph", "com net org gov edu"),
        *_expand("sa", "com net org gov edu"),
        *_expand("ae", "co net org gov ac"),
        *_expand("ke", "co or ne go ac"),
        *_expand("co", "com net org gov edu"),
        *_expand("pe", "com net org gob edu"),
        *_expand("ve", "com net org gob edu"),
        *_expand("cl", "gob gov mil"),
        *_expand("bd", "com net org gov edu"),
        *_expand("lk", "com net org gov edu"),
        *_expand("np", "com net org gov edu"),
        *_expand("ru", "com net org"),
        # Private section: shared hosting where unrelated sites are sibling subdomains.
        "github.io",
        "gitlab.io",
        "herokuapp.com",
        "appspot.com",
        "blogspot.com",
        "netlify.app",
        "vercel.app",
        "pages.dev",
        "workers.dev",
        "web.app",
        "firebaseapp.com",
        "azurewebsites.net",
        "cloudfront.net",
        "s3.amazonaws.com",
        "readthedocs.io",
        "glitch.me",
        "fly.dev",
        "onrender.com",
        "uk.com",
        "us.com",
        "eu.com",
    }
)


def is_public_suffix(domain: str) -> bool:
    """Tell whether ``domain`` is a public suffix that must not carry cookies.

    Args:
        domain: A lower-case ASCII domain name without leading or trailing dots.

    Returns:
        ``True`` for every single-label name and for the entries of
        :data:`PUBLIC_SUFFIXES`.
    """
    return "." not in domain or domain in PUBLIC_SUFFIXES
