"""Faults a test injects into the emulator's HTTP answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["429", "500", "502", "slow", "drop", "drop_before", "drop_after"]
FAULT_KINDS: frozenset[str] = frozenset({"429", "500", "502", "slow", "drop", "drop_before", "drop_after"})


@dataclass
class Fault:
    """``count`` requests to ``method`` (any method when None) get this fault."""

    method: str | None
    kind: FaultKind
    remaining: int
    retry_after: int = 1
    delay: float = 0.0

    def matches(self, method: str) -> bool:
        return self.remaining > 0 and (self.method is None or self.method == method)


class FaultPlan:
    """Injected faults, consumed in the order they were injected."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, method: str | None, kind: str, count: int, retry_after: int, delay: float) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        normalized: FaultKind = "drop_before" if kind == "drop" else kind  # type: ignore[assignment]
        fault = Fault(method.lower() if method else None, normalized, count, retry_after, delay)
        self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method):
                fault.remaining -= 1
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        return [fault for fault in self._faults if fault.remaining > 0]
