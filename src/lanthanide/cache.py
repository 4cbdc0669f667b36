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
- **Pickle only where it is trusted.** Parsed documents are JSON and the
  classifier's matrices NumPy ``.npz`` (read with ``allow_pickle=False``).
  The compiled rulebook and the built classifier are pickles (rebuilding
  their objects from JSON would cost what the cache saves); a pickle is read
  only from a file the current user owns, in a directory the user owns,
  neither writable by group or others (:func:`read_pickle`), since loading a
  pickle runs code named in it. Pickle directories are created ``0o700``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import os
import pickle
import stat
import tempfile
from collections.abc import Callable, Iterator
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


def write(kind: str, name: str, data: bytes, *, private: bool = False) -> bool:
    """Store an entry atomically (temporary file + :func:`os.replace`);
    ``False`` if the cache is off or the directory cannot be written.
    ``private``: create the entry's directory readable by the user only."""
    p = path(kind, name)
    if p is None:
        return False
    tmp: str | None = None
    try:
        if private and not p.parent.is_dir():
            p.parent.parent.mkdir(parents=True, exist_ok=True)
            p.parent.mkdir(mode=0o700, exist_ok=True)
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


# ---------------------------------------------------------------- pickles
PICKLE_PROTOCOL = 5


def _trusted(st: os.stat_result) -> bool:
    """Owned by the current user and writable by no one else."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no POSIX owners (Windows): the user's profile directory
        return True
    return bool(st.st_uid == getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def read_pickle(kind: str, name: str, persistent_load: Callable[[Any], Any] | None = None) -> Any:
    """The object pickled in an entry, or ``None`` if there is none, it is
    not trusted (file or directory not the user's own, or writable by group
    or others) or it cannot be unpickled (corrupt, truncated, written by
    other code). ``persistent_load``: resolves the ids
    :func:`write_pickle`'s ``persistent_id`` gave (objects kept out of the
    pickle); a ``LookupError`` it raises makes the entry unreadable."""
    p = path(kind, name)
    if p is None:
        return None
    try:
        if not _trusted(p.parent.stat()):
            return None
        with open(p, "rb") as f:
            if not _trusted(os.fstat(f.fileno())):
                return None
            data = f.read()
    except OSError:
        return None
    try:
        unpickler = pickle.Unpickler(io.BytesIO(data))
        if persistent_load is not None:
            unpickler.persistent_load = persistent_load  # type: ignore[method-assign]
        with _no_collection():
            return unpickler.load()
    except Exception:  # corrupt or stale: any error unpickling means "no entry"
        return None


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused (as it was after): unpickling makes
    tens of thousands of objects, none of them garbage, and each collection
    the allocations trigger would walk all of them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_pickle(
    kind: str, name: str, obj: object, persistent_id: Callable[[Any], Any] | None = None
) -> bool:
    """Pickle ``obj`` into an entry (atomically, in a private directory);
    ``persistent_id(x)``: an id to store instead of ``x`` (``None``: pickle
    ``x`` itself), resolved on reading by ``persistent_load``. ``False`` if
    the cache is off, ``obj`` cannot be pickled or nothing can be written."""
    if path(kind, name) is None:
        return False
    buf = io.BytesIO()
    try:
        pickler = pickle.Pickler(buf, protocol=PICKLE_PROTOCOL)
        if persistent_id is not None:
            pickler.persistent_id = persistent_id  # type: ignore[method-assign]
        pickler.dump(obj)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return False
    return write(kind, name, buf.getvalue(), private=True)


def prune(kind: str, suffix: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently written entries of ``kind``
    ending in ``suffix`` (each rulebook or code change makes new ones; the
    old ones are never read again). Errors are ignored: a file another
    process removed first, or one being read (its reader keeps its data)."""
    root = directory()
    if root is None:
        return
    try:
        found = [(p.stat().st_mtime_ns, p) for p in (root / kind).glob(f"*{suffix}")]
    except OSError:
        return
    found.sort(reverse=True)
    for _, p in found[keep:]:
        with contextlib.suppress(OSError):
            p.unlink()


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
