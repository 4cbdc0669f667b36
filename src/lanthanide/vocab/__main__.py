"""``python -m lanthanide.vocab``: print docs/vocabulary.md."""

from __future__ import annotations

import sys

from lanthanide.vocab import VOCAB
from lanthanide.vocab.docs import markdown

sys.stdout.write(markdown(VOCAB))
