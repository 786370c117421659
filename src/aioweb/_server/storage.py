"""Typed storage keys for requests, and the chained view of application state.

``request[user_key] = user`` with a :class:`RequestKey` lets a type checker know what
``request[user_key]`` holds, as ``AppKey`` does for applications; ``request.config_dict`` is
a :class:`ChainMapProxy` over the application that handles the request and the ones it is
nested in. A plain ``str`` key still works, with a :class:`NotAppKeyWarning`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Generic, TypeVar, cast, get_args, overload

if TYPE_CHECKING:
    from aioweb._server.app import AppKey

__all__ = ["ChainMapProxy", "NotAppKeyWarning", "RequestKey", "StateMapping"]

_T = TypeVar("_T")
_K = TypeVar("_K")


class NotAppKeyWarning(UserWarning):
    """A plain ``str`` was used as a storage key; use ``AppKey``, ``RequestKey``, ``ResponseKey``.

    Hidden unless warnings are turned on (``-W default``, ``-X dev``, pytest), as in aiohttp.
    """


# Appended, so any filter of the user's or of pytest's wins: only shown when asked for, as
# aiohttp does, since str keys are common in code written for aiohttp before 3.9.
warnings.filterwarnings("ignore", category=NotAppKeyWarning, append=True)


class StateMapping(MutableMapping[_K, object]):
    """The storage of applications, requests and responses: a dict with identity semantics.

    Two applications (or requests, or responses) are never equal just because they store
    the same values, an empty one is still truthy, and each hashes by identity. Subclasses
    keep their values in ``self._state`` and may wrap ``__setitem__`` with checks.
    """

    __slots__ = ()
    _state: dict[_K, object]

    def __getitem__(self, key: _K) -> object:
        return self._state[key]

    def __setitem__(self, key: _K, value: object) -> None:
        self._state[key] = value

    def __delitem__(self, key: _K) -> None:
        del self._state[key]

    def __len__(self) -> int:
        return len(self._state)

    def __iter__(self) -> Iterator[_K]:
        return iter(self._state)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        return True


class RequestKey(Generic[_T]):
    """A typed key for values stored on a request: ``request[user_key] = user``.

    Type checkers then know that ``request[user_key]`` is a ``User``; plain ``str`` keys still
    work but warn, as in aiohttp 3.14.

    Args:
        name: A readable name, shown in ``repr()``.
        t: The type of the stored value (for type checkers and ``repr()``); with
            ``RequestKey[int]("n")`` it is taken from the subscript.
    """

    __slots__ = ("__orig_class__", "_name", "_type")

    def __init__(self, name: str, t: type[_T] | None = None) -> None:
        self._name = name
        self._type = t

    @property
    def name(self) -> str:
        """The key's name."""
        return self._name

    def __lt__(self, other: object) -> bool:
        """Sort by name, and before ``str`` keys, so that mixed storage stays sortable."""
        if isinstance(other, RequestKey):
            return self._name < other._name
        return True

    def __repr__(self) -> str:
        """Show the name and the value type, e.g. ``<RequestKey(user, type=User)>``."""
        kind: object = self._type
        if kind is None:
            # RequestKey[int]("n"): typing stores the subscripted alias on the instance.
            alias = getattr(self, "__orig_class__", None)
            args = get_args(alias) if alias is not None else ()
            kind = args[0] if args else None
        if kind is None:
            label = "<<Unknown>>"
        elif isinstance(kind, type):
            module = kind.__module__
            label = kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
        else:
            label = repr(kind)
        return f"<RequestKey({self._name}, type={label})>"


class ChainMapProxy(Mapping["str | AppKey[object]", object]):
    """A read-only view over several mappings, the first one that has a key wins.

    ``request.config_dict`` is one: the current application first, then the applications
    it is nested in, so a sub-application sees its parents' configuration.

    Args:
        maps: The mappings, looked up in order.
    """

    __slots__ = ("_maps",)

    def __init__(self, maps: Iterable[Mapping[str | AppKey[object], object]]) -> None:
        self._maps = tuple(maps)

    @overload
    def __getitem__(self, key: AppKey[_T]) -> _T: ...
    @overload
    def __getitem__(self, key: str) -> object: ...
    def __getitem__(self, key: str | AppKey[_T]) -> object:
        """Return the value from the first mapping holding ``key``."""
        for mapping in self._maps:
            try:
                return mapping[cast("str | AppKey[object]", key)]
            except KeyError:
                pass
        raise KeyError(key)

    @overload  # type: ignore[override]  # typed keys narrow Mapping.get
    def get(self, key: AppKey[_T], default: None = None) -> _T | None: ...
    @overload
    def get(self, key: AppKey[_T], default: _T) -> _T: ...
    @overload
    def get(self, key: str, default: object = None) -> object: ...
    def get(self, key: str | AppKey[_T], default: object = None) -> object:
        """Return the value for ``key``, or ``default`` when no mapping holds it."""
        try:
            return self[key]
        except KeyError:
            return default

    def __len__(self) -> int:
        """Count the distinct keys of all mappings."""
        return len(set().union(*self._maps))

    def __iter__(self) -> Iterator[str | AppKey[object]]:
        """Iterate over the distinct keys, those of the first mapping first."""
        seen: dict[str | AppKey[object], None] = {}
        for mapping in self._maps:
            seen.update(dict.fromkeys(mapping))
        return iter(seen)

    def __contains__(self, key: object) -> bool:
        """Tell whether any mapping holds ``key``."""
        return any(key in mapping for mapping in self._maps)

    def __bool__(self) -> bool:
        """Tell whether any mapping is non-empty."""
        return any(self._maps)

    def __repr__(self) -> str:
        """Show the mappings."""
        return f"ChainMapProxy({', '.join(map(repr, self._maps))})"
