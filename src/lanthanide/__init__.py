"""lanthanide: China's export controls on critical minerals and technologies as cited data.

The public API::

    from lanthanide import Lanthanide
    ln = Lanthanide()                      # the bundled rulebook, loaded on first use
    d = ln.check(hs="2850001901", destination="KR", on="2024-02-01")
    d.verdict                              # 'licence_required'

See docs/python-api.md. The names below are imported on first access, so
``import lanthanide`` loads nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Case", "CaseError", "Determination", "Lanthanide", "Verdict", "__version__"]

if TYPE_CHECKING:
    from lanthanide._client import Lanthanide
    from lanthanide.decide.model import Case, CaseError, Determination, Verdict

_LAZY = {
    "Lanthanide": "lanthanide._client",
    "Case": "lanthanide.decide.model",
    "CaseError": "lanthanide.decide.model",
    "Determination": "lanthanide.decide.model",
    "Verdict": "lanthanide.decide.model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lanthanide' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
