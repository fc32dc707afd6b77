"""How far our functions agree with lizard's: the measure issue #4 sets (ccn equal on at least
98% of the functions matched by name and line).

A lizard function is matched to ours by start line, and by name where several start on one line
(lizard qualifies nested names its own way, so the last dotted or `::` part is compared).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mesh.models import FunctionMetrics


@dataclass
class Agreement:
    lizard: int = 0  # functions lizard reports
    matched: int = 0  # of those, found by us at the same line
    ccn_equal: int = 0
    mismatches: list[str] = field(default_factory=list)

    def add(self, path: str, ours: Iterable[FunctionMetrics],
            theirs: Iterable[FunctionMetrics]) -> None:
        by_line: dict[int, list[FunctionMetrics]] = {}
        for fn in ours:
            by_line.setdefault(fn.start_line, []).append(fn)
        for ref in theirs:
            self.lizard += 1
            candidates = by_line.get(ref.start_line, [])
            if len(candidates) > 1:
                candidates = [c for c in candidates if _last(c.name) == _last(ref.name)] \
                    or candidates
            if not candidates:
                self.mismatches.append(f"{path}:{ref.start_line} {ref.name}: not found")
                continue
            self.matched += 1
            if candidates[0].ccn == ref.ccn:
                self.ccn_equal += 1
            else:
                self.mismatches.append(f"{path}:{ref.start_line} {ref.name}: ccn "
                                       f"{candidates[0].ccn} vs lizard {ref.ccn}")

    @property
    def ratio(self) -> float:
        """ccn equal over all lizard functions (an unmatched one counts as a disagreement)."""
        return self.ccn_equal / self.lizard if self.lizard else 1.0


def _last(name: str) -> str:
    return re.split(r"\.|::", name)[-1]
