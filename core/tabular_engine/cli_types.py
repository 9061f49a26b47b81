"""Parameter types shared by the commands."""

from __future__ import annotations

from typing import Any

import click


class Count(click.ParamType):
    """A count of rows or sequences: 1000, 1_000_000 or 1e6."""

    name = "N"

    def __init__(self, noun: str = "rows") -> None:
        self.noun = noun

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        text = str(value).replace("_", "")
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            self.fail(f"{value!r} is not a number of {self.noun}", param, ctx)
        if number != int(number):
            self.fail(f"{value!r} is not a whole number of {self.noun}", param, ctx)
        return int(number)
