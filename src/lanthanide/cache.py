"""The on-disk cache of data derived from the rulebook: parsed YAML documents
and the classifier's index, so that a new process does not redo that work.

Where: ``LANTHANIDE_CACHE_DIR`` if set (``off`` or an empty value turns the
cache off), else the user cache directory (``platformdirs``, e.g.
``~/.cache/lanthanide``). Each entry is one file named by a key that hashes
everything its content is derived from (:func:`key`: the inputs, the
lanthanide version and the format version of the entry), so an entry is
never stale: a changed input is a new key, and the old file is simply no
longer read.

Contracts:

- **Never a crash, never a wrong answer.** :func:`read` returns ``None`` for
  a missing, unreadable or corrupt entry and the caller rebuilds; the
  readers of each kind check what they read before using it. A directory
  that cannot be written is no error either (:func:`write` does nothing).
- **Safe under concurrent processes.** An entry is written to a temporary
  file in the same directory and moved into place with :func:`os.replace`
  (atomic), so a reader sees the old file, no file or the whole new one.
- **No pickle.** Entries are JSON or NumPy ``.npz`` (read with
  ``allow_pickle=False``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

ENV_DIR = "LANTHANIDE_CACHE_DIR"
"""Overrides the cache directory; ``off`` (or empty) disables the cache."""

_OFF = ("", "off", "0", "none")


def directory() -> Path | None:
    """The cache directory, or ``None`` when the cache is off."""
    env = os.environ.get(ENV_DIR)
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("lanthanide", appauthor=False))


def key(*parts: str | bytes) -> str:
    """A file-name-safe digest of ``parts`` and the lanthanide version."""
    from lanthanide import __version__

    h = hashlib.sha256(__version__.encode())
    for p in parts:
        b = p.encode("utf-8", "surrogatepass") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:40]


def path(kind: str, name: str) -> Path | None:
    """Where the entry ``name`` of ``kind`` lives (``None``: cache off)."""
    root = directory()
    return None if root is None else root / kind / name


def read(kind: str, name: str) -> bytes | None:
    """The bytes of an entry, or ``None`` if there is none or it cannot be read."""
    p = path(kind, name)
    if p is None:
        return None
    try:
        return p.read_bytes()
    except OSError:
        return None


def write(kind: str, name: str, data: bytes) -> bool:
    """Store an entry atomically (temporary file + :func:`os.replace`);
    ``False`` if the cache is off or the directory cannot be written."""
    p = path(kind, name)
    if p is None:
        return False
    tmp: str | None = None
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=p.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
        return True
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


# ------------------------------------------------------------ parsed YAML
YAML_FORMAT = "1"
"""Format version of the parsed-YAML entries (:func:`load_yaml`)."""
_DATE = "\x00date"


class _Uncacheable(TypeError):
    """A parsed document JSON cannot carry exactly (it is then not cached)."""


def _to_json(obj: Any) -> Any:
    """``obj`` (what a YAML safe loader builds) as JSON with dates tagged;
    raises :class:`_Uncacheable` for anything JSON would not give back equal
    (a non-string key, a datetime, a set, bytes)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str) or k.startswith("\x00"):
                raise _Uncacheable(repr(k))
            out[k] = _to_json(v)
        return out
    if isinstance(obj, list):
        return [_to_json(v) for v in obj]
    if obj is None or type(obj) in (str, bool, int, float):
        return obj
    if type(obj) is date:
        return {_DATE: obj.isoformat()}
    raise _Uncacheable(type(obj).__name__)


def _from_json(d: dict[str, Any]) -> Any:
    if len(d) == 1 and _DATE in d:
        return date.fromisoformat(d[_DATE])
    return d


def load_yaml(text: str, loader: type[Any] | None = None) -> Any:
    """``yaml.load(text, Loader=loader)`` (``None``: PyYAML's safe loader,
    the C one when built), through the cache: the parsed document is stored
    as JSON (read about 20x faster than YAML is parsed), keyed by the text,
    the loader class (with the PyYAML version when one is given; the safe
    loader's output is YAML 1.1's, the same in every version) and
    :data:`YAML_FORMAT`. PyYAML is imported only to parse. A document that
    fails to parse is never stored (it fails again, with the same error);
    one JSON cannot carry exactly is parsed each time; a corrupt entry is
    ignored and overwritten."""
    if loader is None:
        which = "safe"
    else:
        import yaml

        which = f"{yaml.__version__}:{loader.__module__}.{loader.__qualname__}"
    name = key("yaml", YAML_FORMAT, which, text)
    got = read("yaml", name + ".json")
    if got is not None:
        try:
            return json.loads(got, object_hook=_from_json)
        except (ValueError, TypeError, RecursionError):
            pass  # corrupt: parse again and overwrite
    import yaml

    if loader is None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(text, Loader=loader)  # type: ignore[arg-type]  # any Loader class
    try:
        data = json.dumps(_to_json(raw), ensure_ascii=False).encode()
    except (_Uncacheable, RecursionError):
        return raw
    write("yaml", name + ".json", data)
    return raw
