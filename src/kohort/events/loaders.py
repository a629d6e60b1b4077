"""Objects for events recorded by code that holds ids, not objects.

Settlement changes orders in bulk, but sits below the order package and cannot render them. The order
package provides a loader here (events know no domain; domains know events), and settlement asks for
the orders it changed, as they now are in its transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.events.domain import WireObject

Loader = Callable[[AsyncConnection, Sequence[str]], Awaitable[Sequence[WireObject]]]

_loaders: dict[str, Loader] = {}


def provides(kind: str) -> Callable[[Loader], Loader]:
    """Register `function(connection, ids)` as the loader of objects of `kind` (e.g. "order")."""

    def register(function: Loader) -> Loader:
        if kind in _loaders and _loaders[kind] is not function:
            raise ValueError(f"two loaders for {kind!r}")
        _loaders[kind] = function
        return function

    return register


async def load(connection: AsyncConnection, kind: str, ids: Sequence[str]) -> Sequence[WireObject]:
    loader = _loaders.get(kind)
    if loader is None:
        raise LookupError(f"no loader for {kind!r}: import the package that provides it")
    return await loader(connection, ids) if ids else []
