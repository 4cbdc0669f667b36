"""``python -m lanthanide.cli``: the same as the ``lanthanide`` console script."""

from lanthanide.cli import main

main()
