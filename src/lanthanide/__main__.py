"""``python -m lanthanide``: the same as the ``lanthanide`` console script."""

from lanthanide.cli import main

main()
