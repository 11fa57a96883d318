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
from sim.spec.structure import Function, StructureSpec

if TYPE_CHECKING:
    from sim.model.agents import Body

    # a routing rule made ready to match: kind, themes, urgency (None: any) and its body
    Rule = tuple[str | None, frozenset[str] | None, bool | None, Body]


class Router:
    """Resolves pathway steps to bodies for one structure."""

    def __init__(self, spec: StructureSpec, bodies: dict[str, Body]) -> None:
        self.rules = spec.routing
        self.bodies = bodies
        self._by_function: dict[str, dict[Function, list[Rule]]] = {}  # scope's, in order
        for scope, rules in spec.routing.items():
            compiled: dict[Function, list[Rule]] = {}
            for rule in rules:
                theme = rule.theme
                themes = (
                    None
                    if theme is None
                    else frozenset([theme] if isinstance(theme, str) else theme)
                )
                compiled.setdefault(rule.function, []).append(
                    (rule.kind, themes, rule.urgent, bodies[rule.body])
                )
            self._by_function[scope] = compiled
        self._links: dict[str, set[str]] = {}  # the scopes each linked body has links to
        for link in spec.links:
            a, b = bodies[link.from_body], bodies[link.to]
            self._links.setdefault(a.id, set()).add(b.scope)
            self._links.setdefault(b.id, set()).add(a.scope)
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

    def matching(self, issue: Issue, function: Function, scope: str) -> list[Body]:
        """Every body whose rule in ``scope`` matches the issue for ``function``, in rule
        order: routing takes the first active one; garbage-can attachment chooses among all."""
        return [
            body
            for kind, themes, urgent, body in self._by_function[scope].get(function, ())
            if (kind is None or kind == issue.kind)
            and (themes is None or issue.theme in themes)
            and (urgent is None or urgent == issue.urgent)
        ]

    def linked(self, body: Body, scope: str) -> bool:
        """Whether ``body`` has a standing link to some body of ``scope``."""
        return scope in self._links.get(body.id, ())

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
