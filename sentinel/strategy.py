"""One parser for strategy strings, shared by `sentinel check`, `sentinel run`, the LLM factory
and the eval, so one string means the same detector and models everywhere.

`statistical` (the config's detector, no model), `statistical:<detector>` (that detector alone),
`llm:<model>` (gate -> one model) and `tiered:<cheap>,<strong>` (gate -> cheap -> strong).
Imports nothing heavy: the CLI validates `--strategy` before any work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sentinel.detector_names import unknown_detector
from sentinel.errors import ConfigError

Kind = Literal["statistical", "llm", "tiered"]
STRATEGY_HELP = "statistical[:<detector>], llm:<model> or tiered:<cheap>,<strong>"


@dataclass(frozen=True)
class StrategySpec:
    """A parsed strategy: its name as given, its kind, its detector override and its models."""

    name: str
    kind: Kind
    detector: str | None = None
    models: tuple[str, ...] = ()

    @property
    def uses_model(self) -> bool:
        return self.kind != "statistical"

    @property
    def slug(self) -> str:
        """A file-name-safe form of the name."""
        return self.name.replace(":", "-").replace(",", "+").replace("/", "_")


def parse_strategy(text: str) -> StrategySpec:
    """The spec of a strategy string; anything else is a one-line ConfigError naming the forms."""
    text = text.strip()
    head, _, rest = text.partition(":")
    names = tuple(n.strip() for n in rest.split(","))
    if head == "statistical" and "," not in rest:
        if rest.strip() and (problem := unknown_detector(rest.strip())):
            raise ConfigError(f"strategy {text!r}: {problem}")
        return StrategySpec(text if rest else "statistical", "statistical", rest.strip() or None)
    if head == "llm" and len(names) == 1 and names[0]:
        return StrategySpec(text, "llm", models=names)
    if head == "tiered" and len(names) == 2 and all(names):
        return StrategySpec(text, "tiered", models=names)
    raise ConfigError(f"unknown strategy {text!r}: use {STRATEGY_HELP}")
