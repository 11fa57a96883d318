"""Routing policy: which body takes an issue's next step, and by which channel.

Rules come from the structure (first match on function, kind and theme wins;
inactive bodies are passed over). A hand-off between scopes (Gloucester to the
county, say) goes directly only along a standing link (FE-COUNTY-LINKS);
otherwise the issue first climbs its body's reporting line to one that has a
link, waiting for each meeting on the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.issue import Issue, Step
from sim.spec.structure import StructureSpec

if TYPE_CHECKING:
    from sim.model.agents import Body


class Router:
    """Resolves pathway steps to bodies for one structure."""

    def __init__(self, spec: StructureSpec, bodies: dict[str, Body]) -> None:
        self.rules = spec.routing
        self.bodies = bodies
        self._links: dict[str, set[str]] = {b: set() for b in bodies}
        for link in spec.links:
            a, b = bodies[link.from_body], bodies[link.to]
            self._links[a.id].add(b.scope)
            self._links[b.id].add(a.scope)
        self.catch_all: set[str] = {
            rule.body
            for rules in self.rules.values()
            for rule in rules
            if not (rule.kind or rule.theme or rule.urgent is not None)
        }

    def target(self, issue: Issue, step: Step) -> Body:
        """The body that performs ``step`` for ``issue`` (ignoring channels)."""
        if step.at in self.bodies:
            return self.bodies[step.at]
        fallback = None
        for body in self.matching(issue, step.function, step.at or issue.scope):
            if body.active:
                return body
            fallback = fallback or body
        return fallback

    def matching(self, issue: Issue, function, scope: str) -> list[Body]:
        """Every body whose rule in ``scope`` matches the issue for ``function``, in rule
        order: routing takes the first active one; garbage-can attachment chooses among all."""
        out = []
        for rule in self.rules[scope]:
            if rule.function != function or rule.kind not in (None, issue.kind):
                continue
            theme = rule.theme
            if theme is not None and not (
                issue.theme == theme if isinstance(theme, str) else issue.theme in theme
            ):
                continue
            if rule.urgent is not None and rule.urgent != issue.urgent:
                continue
            out.append(self.bodies[rule.body])
        return out

    def linked(self, body: Body, scope: str) -> bool:
        """Whether ``body`` has a standing link to some body of ``scope``."""
        return scope in self._links[body.id]

    def next_holder(self, issue: Issue, step: Step, current: Body | None) -> tuple[Body, bool]:
        """The body the issue goes to next, and whether that is an escalation hop."""
        target = self.target(issue, step)
        if current is None or current.scope == target.scope:
            return target, False
        if self.linked(current, target.scope):
            return target, False
        if current.spec.reports_to is not None:
            return self.bodies[current.spec.reports_to], True
        return target, False
