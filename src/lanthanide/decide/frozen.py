"""Read-only parameters of warnings and questions.

A warning or question made once is shared by every determination that
carries it (memoised warnings, replayed plans: :mod:`~lanthanide.decide.plans`),
so its parameters must not change under a caller: :class:`FrozenParams` is a
``dict`` (JSON, ``dict(...)``, equality and pickling work as before) whose
mutating methods raise ``TypeError``.
"""

from __future__ import annotations

from typing import Any, NoReturn


class FrozenParams(dict[str, Any]):
    """A ``dict`` that refuses to change once built."""

    __slots__ = ()

    def _refuse(self, *_: object, **__: object) -> NoReturn:
        raise TypeError(
            "the parameters of a warning or question are read-only (copy them: dict(params))"
        )

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __reduce__(self) -> tuple[type[FrozenParams], tuple[dict[str, Any]]]:
        return (FrozenParams, (dict(self),))

    def __copy__(self) -> FrozenParams:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> FrozenParams:
        return self
