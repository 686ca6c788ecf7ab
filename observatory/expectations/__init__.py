"""Great Expectations suites for observations and targets, turned into per-row problems.

Great Expectations costs several seconds to import (7 s here), so the rules name their expectations
without it (:data:`EXPECT` makes :class:`Spec` objects) and vectorised checks (:func:`could_fail`) find the
rows any rule could find wrong. Great Expectations is imported, and its suites run, only when there are
such rows: a clean root is checked without it. Each expectation carries the wording of its message:
which column it speaks of and what was expected.

One job a module: :mod:`.spec` (a rule, named without Great Expectations), :mod:`.rules` (the rule
catalogue), :mod:`.prefilter` (:func:`could_fail`), :mod:`.runner` (Great Expectations on the suspect rows;
its switches ``PREFILTER`` and ``MAX_LISTED`` are read there).
"""

from observatory.expectations.prefilter import could_fail
from observatory.expectations.rules import (
    MAX_MAGNITUDE, OBSERVATION_KEY, observation_problems, place, register_problems, target_problems,
)
from observatory.expectations.runner import run_rules
from observatory.expectations.spec import EXPECT, Rule, Spec

__all__ = [
    "EXPECT", "MAX_MAGNITUDE", "OBSERVATION_KEY", "Rule",
    "Spec", "could_fail", "observation_problems", "place", "register_problems", "run_rules", "target_problems",
]
