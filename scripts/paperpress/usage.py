"""What a run spends: the tokens the API reports, their cost at a configured price, and the
run's budget. Plain values; ``summarize_all`` adds to them and checks the budget."""

from __future__ import annotations

from dataclasses import dataclass

from paperpress.config import Price


@dataclass
class Usage:
    """Tokens the API reported, summed over calls; failed calls count when it reported them
    (an off-schema reply is billed like a good one)."""

    prompt: int = 0
    completion: int = 0
    cached: int = 0  # of the prompt tokens, those the provider served from its prompt cache

    @property
    def total(self) -> int:
        return self.prompt + self.completion

    def add(self, other: Usage) -> None:
        self.prompt += other.prompt
        self.completion += other.completion
        self.cached += other.cached

    def cost(self, price: Price) -> float:
        """US dollars at ``price`` (per million tokens)."""
        return (
            self.prompt * price.prompt_per_million + self.completion * price.completion_per_million
        ) / 1_000_000


@dataclass(frozen=True)
class Budget:
    """A run's spending cap: tokens, or dollars at a configured price. Once it is reached no
    new paper is sent; calls already in flight finish (at most ``concurrency`` of them)."""

    tokens: int | None = None
    usd: float | None = None
    price: Price | None = None

    def used_up(self, spent: Usage) -> str | None:
        """Why no new call may start, or None while there is budget left."""
        if self.tokens is not None and spent.total >= self.tokens:
            return f"the run's token budget ({self.tokens:,}) is used up"
        if self.usd is not None and self.price is not None and spent.cost(self.price) >= self.usd:
            return f"the run's cost budget (${self.usd:g}) is used up"
        return None
