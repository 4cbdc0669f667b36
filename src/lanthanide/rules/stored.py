"""The compiled rulebook on disk (:mod:`lanthanide.cache`), so that a new
process does not parse, validate and compile the YAML files again.

One entry per rulebook: the pickled :class:`~lanthanide.rules.book.Rulebook`
(instruments, party lists, indexes, overlays loaded), keyed by a digest of
every file it is read from (the rulebook directory's and each overlay
directory's ``*.yaml`` and ``*.csv`` files, by relative path and content),
the overlay directories as given, :data:`FORMAT`, the code the objects are
made of (:func:`code_version`: the modules of ``lanthanide.rules`` and the
vocabulary's code and data) and the Python and pydantic versions. A changed
file, overlay or module is a new key, so an entry is never stale.

Reading checks the entry (a rulebook, of this key) and trusts only a file
the user owns that no one else may write (:func:`lanthanide.cache.read_pickle`);
anything else is ignored and the rulebook is loaded from its files, then
stored again. An invalid rulebook is never stored: it fails again, with the
same problems.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from lanthanide import cache as disk

if TYPE_CHECKING:
    from lanthanide.rules.book import Rulebook

FORMAT = "1"
"""Format version of the stored rulebook; bump on any change of what it holds."""

KIND = "rulebook"
"""The cache directory of the entries (``<cache>/rulebook/``)."""

_SUFFIXES = (".yaml", ".csv")
KEEP = 8
"""Entries kept (the most recent): one per rulebook, overlay set and code version."""


@cache
def code_version() -> str:
    """A digest of the code the compiled rulebook is made of: the modules of
    ``lanthanide.rules`` (all levels), the vocabulary's code and data, the
    country codes, and the Python and pydantic versions (pickles of pydantic
    models depend on both)."""
    from pydantic.version import VERSION

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{sys.version}\0{VERSION}\0".encode())
    files = [
        *sorted((root / "rules").rglob("*.py")),
        *sorted((root / "vocab").rglob("*.py")),
        *sorted((root / "vocab").rglob("*.yaml")),
        root / "countries.py",
    ]
    for f in files:
        h.update(str(f.relative_to(root)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def _tree(h: hashlib._Hash, directory: Path) -> None:
    files = sorted(p for p in directory.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
    h.update(f"{len(files)}\0".encode())
    for p in files:
        data = p.read_bytes()
        h.update(f"{p.relative_to(directory)}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
        h.update(data)


def name(root: Path, overlays: Sequence[Path]) -> str | None:
    """The entry's file name for the rulebook in ``root`` with ``overlays``
    on top, or ``None`` when the cache is off or a directory cannot be read."""
    if disk.directory() is None:
        return None
    h = hashlib.sha256()
    try:
        _tree(h, root)
        for d in overlays:
            h.update(f"overlay\0{d}\0".encode("utf-8", "surrogatepass"))
            if d.is_dir():
                _tree(h, d)
    except OSError:
        return None
    return disk.key("rulebook", FORMAT, code_version(), h.hexdigest()) + ".pickle"


def stored_path(root: Path, overlays: Sequence[Path]) -> Path | None:
    """The file holding the rulebook in ``root`` with ``overlays`` on top,
    if it is stored (``None``: not stored, or the cache is off)."""
    entry = name(root, overlays)
    where = disk.path(KIND, entry) if entry is not None else None
    return where if where is not None and where.is_file() else None


def load(entry: str) -> Rulebook | None:
    """The stored rulebook of ``entry``, or ``None`` (missing, untrusted,
    corrupt or not a rulebook of this entry)."""
    from lanthanide.rules.book import Rulebook

    got = disk.read_pickle(KIND, entry)
    if not (isinstance(got, tuple) and len(got) == 2 and got[0] == entry):
        return None
    book = got[1]
    if not (isinstance(book, Rulebook) and isinstance(getattr(book, "version", None), str)):
        return None
    return book


def save(entry: str, book: Rulebook) -> None:
    """Store ``book`` (freshly built: its per-date caches are empty; the books
    of its alternative readings built, :meth:`Rulebook.prepare_readings`) as
    ``entry``."""
    if disk.write_pickle(KIND, entry, (entry, book)):
        disk.prune(KIND, ".pickle", KEEP)
