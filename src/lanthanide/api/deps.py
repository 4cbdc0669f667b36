"""The :class:`~lanthanide.Lanthanide` an app serves (``app.state.lanthanide``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lanthanide._client import Lanthanide


def get_client(request: Request) -> Lanthanide:
    ln = request.app.state.lanthanide
    assert isinstance(ln, Lanthanide)
    return ln


Client = Annotated[Lanthanide, Depends(get_client)]
