"""Halstead's derived measures and the maintainability index, as radon defines them.

Pure arithmetic on counts, shared by every language analyzer. radon is the reference for both
formulas (radon/metrics.py: `h_visit_ast` results and `mi_compute`).
"""

from __future__ import annotations

import math

from mesh.models import Halstead


def halstead(n1: int, n2: int, big_n1: int, big_n2: int) -> Halstead:
    """From distinct operators/operands (n1, n2) and their totals (N1, N2), with radon's
    arithmetic in radon's order (`halstead_visitor_report`), so that equal counts give radon's
    floats to the last bit."""
    vocabulary = n1 + n2
    length = big_n1 + big_n2
    volume = length * math.log(vocabulary, 2) if vocabulary != 0 else 0.0
    difficulty = (n1 * big_n2) / float(2 * n2) if n2 != 0 else 0.0
    effort = difficulty * volume
    return Halstead(n1=n1, n2=n2, N1=big_n1, N2=big_n2, vocabulary=vocabulary, length=length,
                    volume=volume, difficulty=difficulty, effort=effort, time=effort / 18.0,
                    bugs=volume / 3000.0)


def maintainability_index(volume: float, complexity: int, lines: int,
                          comment_percent: float) -> float:
    """radon's MI (`mi_compute`): the SEI variant with the comment term, scaled to 0..100:
    max(0, 100 * (171 - 5.2 ln V - 0.23 G - 16.2 ln L + 50 sin(sqrt(2.46 rad(C)))) / 171),
    with V the Halstead volume, G the cyclomatic complexity, L the logical lines (radon's LLOC)
    and C the comment lines as a percentage of source lines. 100 for empty code, as radon."""
    if volume <= 0 or lines <= 0:
        return 100.0
    value = (171 - 5.2 * math.log(volume) - 0.23 * complexity - 16.2 * math.log(lines)
             + 50 * math.sin(math.sqrt(2.46 * math.radians(comment_percent))))
    return min(max(0.0, value * 100 / 171.0), 100.0)
