"""Technical parameters stated in free text: purity, particle size, energy
density and a few others, in the units of :mod:`lanthanide.rules.params`.

Recognised forms: ``99.995%``, ``纯度99.99%``, ``5N`` / ``6N`` / ``4N5``
(nines notation), ``40um`` / ``40 μm`` / ``5微米`` / ``200 nm``,
``300 Wh/kg``, ``5 m3`` / ``5立方米``, ``6 GPa``, ``165 mAh/g``. A percentage
is taken as purity only when it is 90 % or more or follows a purity word
(``purity``, ``纯度``, ``含量``, ``assay``); other percentages are left alone.

The reading is :func:`lanthanide.vocab.extract_params`, the same parser
``--param`` goes through; which unit spellings and cue words name which
parameter in text is data (``vocab/data/params.yaml``).
"""

from __future__ import annotations

from lanthanide.vocab import FoundParam, extract_params, nines

extract = extract_params
"""Parameters found in ``text`` (already normalised or raw), by name; the
first occurrence of each parameter wins."""


__all__ = ["FoundParam", "extract", "nines"]
