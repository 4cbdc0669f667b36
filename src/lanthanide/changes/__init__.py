"""When the law changes: dated changes, rulebook diffs, timelines, impact.

Pure domain functions over :mod:`lanthanide.rules` and a determination
function (``Case -> Determination``); see ``docs/changes.md``.
"""

from lanthanide.changes.compare import diff
from lanthanide.changes.events import Change, ChangeError, changes

__all__ = ["Change", "ChangeError", "changes", "diff"]
