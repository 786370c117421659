"""Resources: the path templates the URL dispatcher matches a request against.

Theory of operation. A *resource* is a path template (``/users/{id}``); a *route* binds
one HTTP method of a resource to a handler. The dispatcher (``router.py``) asks candidate
resources to ``resolve()`` a request; the first that matches path *and* method returns a
:class:`UrlMappingMatchInfo` (the decoded path variables plus the route).

Paths are compared in yarl's ``path_safe`` form: percent-escapes decoded, except ``%2F`` and
``%25``. Decoding ``%2F`` would let ``/a%2Fb`` cross a segment boundary and reach a route
meant for ``/a/b``; keeping it encoded preserves the structure the client sent, and the
match values are decoded afterwards (``%2F`` -> ``/``, ``%25`` -> ``%``), as aiohttp 3.10+
does. Route templates are brought into the same form when registered, so ``/hello world``
and ``/hello%20world`` both route ``GET /hello%20world`` (aiohttp #13433 left such dynamic
routes unreachable by comparing an encoded template with a decoded path).

``url_for()`` goes the other way: it percent-encodes values and refuses any value the
resource would not match again, such as ``a/b`` for ``{name}`` or a ``..`` segment, so a
generated URL can neither change the path's structure nor route somewhere else.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sized
from typing import TYPE_CHECKING, Final, TypeAlias

from yarl import URL

from aioweb import hdrs
from aioweb._server.routes import AbstractRoute, Query, ResourceRoute, UrlMappingMatchInfo

if TYPE_CHECKING:
    from aioweb._server.request import Request
    from aioweb._server.response import StreamResponse
    from aioweb.abc import AbstractView

    Handler: TypeAlias = Callable[[Request], Awaitable[StreamResponse]]
    ExpectHandler: TypeAlias = Callable[[Request], Awaitable[StreamResponse | None]]

__all__ = [
    "AbstractResource",
    "DynamicResource",
    "PlainResource",
    "PrefixResource",
    "Resource",
]

_VAR_NAME_RE: Final = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_BARE_PERCENT_RE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: The default pattern of ``{name}``: one path segment, no braces.
DEFAULT_VAR_PATTERN: Final = r"[^{}/]+"

# ------------------------------------------------------------------------------ paths


def _safe_form(path: str) -> str:
    """Return ``path`` the way the router compares it (yarl's ``path_safe`` form)."""
    if "%" not in path:
        return path
    # A "%" that starts no escape is a literal percent sign, which clients send as "%25".
    requoted = _BARE_PERCENT_RE.sub("%25", path)
    # The same conversion yarl applies to the request path, so both sides agree.
    return URL.build(path=requoted, encoded=True).path_safe


def _encode_safe(path: str) -> str:
    """Percent-encode a path in safe form for a URL, keeping its remaining escapes."""
    quoted = URL.build(path=path, encoded=False).raw_path
    # In safe form every "%" starts an escape, which the quoter just turned into "%25".
    return quoted.replace("%25", "%") if "%" in path else quoted


def _quote_value(value: str) -> str:
    """Percent-encode a decoded match value (``%`` included, ``/`` kept)."""
    return URL.build(path=value, encoded=False).raw_path


def _unquote_value(value: str) -> str:
    """Decode the two escapes the safe form keeps, in the order that cannot double-decode."""
    if "%" not in value:
        return value
    return value.replace("%2F", "/").replace("%25", "%")


def _check_prefix(prefix: str) -> str:
    if not prefix.startswith("/") or prefix.endswith("/") or len(prefix) < 2:
        raise ValueError(
            f"a prefix starts with '/', does not end with '/' and is not '/': {prefix!r}"
        )
    return _safe_form(prefix)


def _with_query(url: URL, query: Query) -> URL:
    return url if query is None else url.with_query(query)


# ------------------------------------------------------------------------------ resources

#: What ``resolve()`` returns: the match (or None) and the methods the path allows.
Resolve: TypeAlias = tuple[UrlMappingMatchInfo | None, set[str]]


class AbstractResource(Sized, Iterable[AbstractRoute]):
    """Something the router can match: a path, a prefix or a sub-application.

    Args:
        name: The name to look the resource up by (``router[name]``).
    """

    def __init__(self, *, name: str | None = None) -> None:
        self._name = name

    @property
    def name(self) -> str | None:
        """The resource's name, if it has one."""
        return self._name

    @property
    @abc.abstractmethod
    def canonical(self) -> str:
        """The path template the resource matches, for example ``/users/{id}``."""

    @abc.abstractmethod
    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        """Build a URL (path and query) that routes to this resource.

        Args:
            query: The query string: a str, mapping or sequence of pairs (yarl's forms).
            **parts: The values of the path variables, decoded.

        Returns:
            A relative URL whose path is percent-encoded.
        """

    @abc.abstractmethod
    async def resolve(self, request: Request) -> Resolve:
        """Match ``request``: return (match, allowed methods) or (None, allowed methods)."""

    @abc.abstractmethod
    def add_prefix(self, prefix: str) -> None:
        """Put ``prefix`` in front of the path (used to mount sub-applications)."""

    @abc.abstractmethod
    def get_info(self) -> dict[str, object]:
        """Describe the resource for introspection."""

    def freeze(self) -> None:
        """Forbid further changes."""

    @abc.abstractmethod
    def raw_match(self, path: str) -> bool:
        """Whether ``path`` is exactly the template this resource was created from."""


class Resource(AbstractResource):
    """A resource with routes: one handler per HTTP method, or one for any method.

    Args:
        name: The name to look the resource up by.
    """

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._routes: list[ResourceRoute] = []
        self._by_method: dict[str, ResourceRoute] = {}
        self._any_route: ResourceRoute | None = None
        self._allowed: set[str] = set()
        self._frozen = False

    def add_route(
        self,
        method: str,
        handler: Handler | type[AbstractView],
        *,
        expect_handler: ExpectHandler | None = None,
    ) -> ResourceRoute:
        """Route ``method`` requests of this resource to ``handler``.

        Args:
            method: The HTTP method, or ``"*"`` for any method not routed otherwise.
            handler: An ``async def`` handler or a class-based view.
            expect_handler: Called for ``Expect`` requests before the handler.

        Returns:
            The new route.

        Raises:
            RuntimeError: The method (or ``"*"``) is already routed, or the router is frozen.
        """
        if self._frozen:
            raise RuntimeError("Cannot add a route to a frozen router")
        upper = method.upper()
        for route in self._routes:
            if route.method == upper or route.method == hdrs.METH_ANY:
                raise RuntimeError(
                    f"Added route will never be executed, method {route.method} is already "
                    "registered"
                )
        route = ResourceRoute(method, handler, self, expect_handler=expect_handler)
        self.register_route(route)
        return route

    def register_route(self, route: ResourceRoute) -> None:
        """Add an already built route to this resource.

        Raises:
            TypeError: ``route`` is not a :class:`ResourceRoute`.
        """
        if not isinstance(route, ResourceRoute):
            raise TypeError(f"Instance of ResourceRoute class is required, got {route!r}")
        self._routes.append(route)
        self._allowed.add(route.method)
        if route.method == hdrs.METH_ANY:
            self._any_route = route
        else:
            self._by_method.setdefault(route.method, route)

    async def resolve(self, request: Request) -> Resolve:
        """Match the request's path, then its method (see :class:`AbstractResource`)."""
        match_dict = self._match(request.rel_url.path_safe)
        if match_dict is None:
            return None, set()
        route = self._by_method.get(request.method) or self._any_route
        if route is None:
            return None, set(self._allowed)
        # On a match the methods are not used (only a miss adds them to the 405's
        # Allow), so the resource's own set goes back, as aiohttp does: no copy per request.
        return UrlMappingMatchInfo(match_dict, route), self._allowed

    @abc.abstractmethod
    def _match(self, path: str) -> dict[str, str] | None:
        """Return the decoded variables if ``path`` (safe form) matches, else None."""

    def freeze(self) -> None:
        """Forbid adding routes."""
        self._frozen = True

    def __len__(self) -> int:
        return len(self._routes)

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(self._routes)


class PlainResource(Resource):
    """A resource for one fixed path, such as ``/about``.

    Args:
        path: The path: empty or starting with ``/``; percent-escapes are decoded.
        name: The name to look the resource up by.

    Raises:
        ValueError: The path is not empty and does not start with ``/``.
    """

    def __init__(self, path: str, *, name: str | None = None) -> None:
        if path and not path.startswith("/"):
            raise ValueError(f"path should be started with / or be empty, got {path!r}")
        super().__init__(name=name)
        self._orig_path = path
        self._path = _safe_form(path)

    @property
    def canonical(self) -> str:
        """The path (decoded, in the form it is compared in)."""
        return self._path

    def freeze(self) -> None:
        """Forbid adding routes; an empty path becomes ``/``."""
        super().freeze()
        if not self._path:
            self._path = "/"

    def add_prefix(self, prefix: str) -> None:
        """Put ``prefix`` in front of the path.

        Raises:
            ValueError: The prefix is not of the form ``/name``.
        """
        self._path = _check_prefix(prefix) + self._path

    def _match(self, path: str) -> dict[str, str] | None:
        # A string comparison; the router's index already selected this resource by path.
        return {} if path == self._path else None

    def raw_match(self, path: str) -> bool:
        """Whether ``path`` is the path this resource was created with."""
        return path == self._orig_path

    def get_info(self) -> dict[str, object]:
        """Return ``{"path": ...}``."""
        return {"path": self._path}

    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        """Return the path as a URL (``query`` added when given).

        Raises:
            TypeError: Path variables were given: a plain resource has none.
        """
        if parts:
            raise TypeError(f"{self._path!r} has no path variables, got {sorted(parts)}")
        return _with_query(URL.build(path=_encode_safe(self._path), encoded=True), query)

    def __repr__(self) -> str:
        name = f"'{self.name}' " if self.name is not None else ""
        return f"<PlainResource {name} {self._path}>"


class DynamicResource(Resource):
    """A resource whose path has variables: ``/users/{id}`` or ``/n/{num:\\d+}``.

    ``{name}`` matches one path segment (``[^{}/]+``); ``{name:regex}`` matches ``regex``,
    which may not contain capture groups (use ``(?:...)``). Values are decoded.

    Args:
        path: The path template, starting with ``/``.
        name: The name to look the resource up by.

    Raises:
        ValueError: The template is malformed: unbalanced braces, a bad variable name, a
            repeated variable, a regex that does not compile or has capture groups.
    """

    def __init__(self, path: str, *, name: str | None = None) -> None:
        if not path.startswith("/"):
            raise ValueError(f"path should be started with /, got {path!r}")
        super().__init__(name=name)
        self._orig_path = path
        pattern: list[str] = []
        formatter: list[str] = []
        # Literal pieces are stored already encoded; a None marks a variable, whose name
        # is in the parallel list.
        template: list[tuple[str | None, str]] = []
        self._var_patterns: dict[str, re.Pattern[str]] = {}
        for piece, regex in _split_template(path):
            if regex is None:
                literal = _safe_form(piece)
                pattern.append(re.escape(literal))
                formatter.append(literal)
                template.append((_encode_safe(literal), ""))
                continue
            if piece in self._var_patterns:
                raise ValueError(f"Invalid path {path!r}: variable {{{piece}}} appears twice")
            self._var_patterns[piece] = _compile_var(path, piece, regex)
            pattern.append(f"(?P<{piece}>{regex})")
            formatter.append(f"{{{piece}}}")
            template.append((None, piece))
        try:
            self._pattern = re.compile("".join(pattern))
        except re.error as exc:
            raise ValueError(f"Invalid path {path!r}: bad pattern: {exc}") from None
        self._formatter = "".join(formatter)
        self._template = template

    @property
    def canonical(self) -> str:
        """The template with plain ``{name}`` variables, for example ``/users/{id}``."""
        return self._formatter

    def add_prefix(self, prefix: str) -> None:
        """Put ``prefix`` in front of the template.

        Raises:
            ValueError: The prefix is not of the form ``/name``.
        """
        safe = _check_prefix(prefix)
        self._pattern = re.compile(re.escape(safe) + self._pattern.pattern)
        self._formatter = safe + self._formatter
        self._template.insert(0, (_encode_safe(safe), ""))

    def _match(self, path: str) -> dict[str, str] | None:
        match = self._pattern.fullmatch(path)
        if match is None:
            return None
        return {key: _unquote_value(value) for key, value in match.groupdict().items()}

    def raw_match(self, path: str) -> bool:
        """Whether ``path`` is the template this resource was created with."""
        return path == self._orig_path

    def get_info(self) -> dict[str, object]:
        """Return ``{"formatter": ..., "pattern": ...}``."""
        return {"formatter": self._formatter, "pattern": self._pattern}

    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        """Build the URL with ``parts`` substituted, percent-encoded.

        If the template has a variable called ``query``, the ``query`` argument is its
        value and no query string is added.

        Args:
            query: The query string (yarl's forms).
            **parts: A value for every variable, decoded.

        Returns:
            The URL.

        Raises:
            KeyError: A variable has no value.
            TypeError: A value is not a str.
            ValueError: A value does not match its variable's pattern (for example a ``/``
                in ``{name}``) or would produce a ``.``/``..`` segment: the URL would not
                route back to this resource.
        """
        if "query" in self._var_patterns and query is not None:
            if not isinstance(query, str):
                raise TypeError("the {query} path variable takes a str")
            parts["query"] = query
            query = None
        pieces: list[str] = []
        for literal, var in self._template:
            if literal is not None:
                pieces.append(literal)
                continue
            try:
                value = parts[var]
            except KeyError:
                msg = f"url_for() of {self._formatter!r} needs a value for {var!r}"
                raise KeyError(msg) from None
            pieces.append(self._encode_value(var, value))
        path = "".join(pieces)
        if any(segment in (".", "..") for segment in path.split("/")):
            # Clients and proxies remove dot segments (RFC 3986 s5.2.4): the URL would
            # reach a different path.
            raise ValueError(
                f"url_for() of {self._formatter!r} would contain a dot segment: {path!r}"
            )
        return _with_query(URL.build(path=path, encoded=True), query)

    def _encode_value(self, var: str, value: str) -> str:
        if not isinstance(value, str):
            raise TypeError(f"the value of {{{var}}} must be a str, got {type(value).__name__}")
        # The router matches the safe form, where a literal "%" reads "%25".
        if self._var_patterns[var].fullmatch(value.replace("%", "%25")) is None:
            raise ValueError(
                f"{value!r} does not match {{{var}}} of {self._formatter!r} "
                f"(pattern {self._var_patterns[var].pattern!r}); the URL would not route here"
            )
        return _quote_value(value)

    def __repr__(self) -> str:
        name = f"'{self.name}' " if self.name is not None else ""
        return f"<DynamicResource {name} {self._formatter}>"


def _compile_var(path: str, var: str, regex: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ValueError(f"Invalid path {path!r}: bad regex for {{{var}}}: {exc}") from None
    if compiled.groups:
        raise ValueError(
            f"Invalid path {path!r}: the regex of {{{var}}} has capture groups; "
            "use non-capturing groups (?:...)"
        )
    return compiled


def _split_template(path: str) -> list[tuple[str, str | None]]:
    """Split a template into (literal, None) and (variable name, regex) pieces.

    Braces nest inside a variable so that ``{n:\\d{2,4}}`` works; a backslash escapes the
    next character there.
    """
    pieces: list[tuple[str, str | None]] = []
    start = i = 0
    end = len(path)
    while i < end:
        char = path[i]
        if char == "}":
            raise ValueError(f"Invalid path {path!r}: '}}' at {i} closes nothing")
        if char != "{":
            i += 1
            continue
        if i > start:
            pieces.append((path[start:i], None))
        depth = 1
        j = i + 1
        while j < end and depth:
            char = path[j]
            if char == "\\":
                j += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            j += 1
        if depth:
            raise ValueError(f"Invalid path {path!r}: '{{' at {i} is never closed")
        name, colon, regex = path[i + 1 : j - 1].partition(":")
        if not _VAR_NAME_RE.fullmatch(name):
            raise ValueError(
                f"Invalid path {path!r}: {path[i:j]!r} is not {{identifier}} or "
                "{identifier:regex}"
            )
        if colon and not regex:
            raise ValueError(f"Invalid path {path!r}: the regex of {{{name}}} is empty")
        pieces.append((name, regex if colon else DEFAULT_VAR_PATTERN))
        start = i = j
    if start < end:
        pieces.append((path[start:], None))
    return pieces


class PrefixResource(AbstractResource):
    """Base class of resources that own every path under a prefix (static files, apps).

    Args:
        prefix: ``""``, ``"/"`` or a path starting and not ending with ``/``.
        name: The name to look the resource up by.

    Raises:
        ValueError: The prefix is malformed.
    """

    def __init__(self, prefix: str, *, name: str | None = None) -> None:
        if prefix and (not prefix.startswith("/") or (prefix != "/" and prefix.endswith("/"))):
            raise ValueError(f"a prefix starts with '/' and does not end with '/': {prefix!r}")
        super().__init__(name=name)
        self._prefix = _safe_form(prefix)
        self._prefix2 = self._prefix + "/"

    @property
    def canonical(self) -> str:
        """The prefix."""
        return self._prefix

    def add_prefix(self, prefix: str) -> None:
        """Put ``prefix`` in front of the prefix.

        Raises:
            ValueError: The prefix is not of the form ``/name``.
        """
        self._prefix = _check_prefix(prefix) + self._prefix
        self._prefix2 = self._prefix + "/"

    def raw_match(self, path: str) -> bool:
        """False: prefix resources are never reused by ``add_resource``."""
        return False

    def _owns(self, path: str) -> bool:
        return path == self._prefix or path.startswith(self._prefix2)
