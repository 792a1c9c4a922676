"""Drift between two runs: objects added, removed or changed (which attributes, old -> new), the
containers' owner and DACL entries, the findings that appeared or went away, and coverage.

Both sides arrive as :class:`DiffInput`, the comparable form the adapter makes from an ``adba
scan``/``adba coverage`` JSON envelope or a snapshot (judged with today's rules). Every
attribute is a tuple of text values, so one comparison serves single- and multi-valued
attributes alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from adba.core.findings import Finding

Values = tuple[str, ...]
COVERAGE_RULES = "ADBA-COV-"
"""Findings of the coverage count: compared only when both sides counted."""
Attributes = tuple[tuple[str, Values], ...]


@dataclass(frozen=True)
class Side:
    """Where one side came from: the file, what it holds, when and from which DC."""

    path: str
    kind: str
    """``scan``, ``coverage`` (an adba JSON envelope) or ``snapshot``."""
    command: str
    """What it compares as: ``scan`` (scan envelopes and snapshots) or ``coverage``."""
    taken_at: str | None
    server: str | None
    forest: str | None
    tool_version: str | None


@dataclass(frozen=True)
class ObjectView:
    """An activation object as compared: identity, label and attributes (LDAP names)."""

    dn: str
    guid: str | None
    label: str
    attributes: Attributes

    def get(self, name: str) -> Values:
        """The values of one attribute (empty when absent)."""
        return next((v for n, v in self.attributes if n == name), ())


@dataclass(frozen=True)
class Ace:
    """One entry of a container's DACL."""

    sddl: str
    principal: str
    allowed: bool
    rights: tuple[str, ...]
    inherited: bool


@dataclass(frozen=True)
class ContainerView:
    """A container's state, owner and DACL (``aces`` None when not read)."""

    key: str
    dn: str
    state: str
    owner: str | None
    aces: tuple[Ace, ...] | None


@dataclass(frozen=True)
class CoverageView:
    """The coverage totals and each family's counts."""

    totals: Attributes
    families: tuple[tuple[str, Attributes], ...]


@dataclass(frozen=True)
class DiffInput:
    """One side of a comparison."""

    side: Side
    forest: Attributes
    objects: tuple[ObjectView, ...]
    containers: tuple[ContainerView, ...]
    coverage: CoverageView | None
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Change:
    """One attribute that differs: its old and new values; for a multi-valued attribute also
    the values added and removed."""

    attribute: str
    old: Values
    new: Values

    @property
    def added(self) -> Values:
        """Values in ``new`` only."""
        return tuple(v for v in self.new if v not in self.old)

    @property
    def removed(self) -> Values:
        """Values in ``old`` only."""
        return tuple(v for v in self.old if v not in self.new)


@dataclass(frozen=True)
class ObjectDelta:
    """An object added, removed or changed."""

    kind: str
    """``added``, ``removed`` or ``changed``."""
    dn: str
    label: str
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class AceDelta:
    """A DACL entry that appeared or went away on a container."""

    kind: str
    """``added`` or ``removed``."""
    container: str
    ace: Ace


@dataclass(frozen=True)
class ContainerDelta:
    """A container whose state or owner changed."""

    container: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class FamilyDelta:
    """A coverage row (a product family, or ``(totals)``) that appeared, went or changed."""

    kind: str
    family: str
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Diff:
    """Everything that differs between two sides."""

    forest: tuple[Change, ...]
    objects: tuple[ObjectDelta, ...]
    containers: tuple[ContainerDelta, ...]
    aces: tuple[AceDelta, ...]
    appeared: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    coverage: tuple[FamilyDelta, ...]
    notes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether anything differs."""
        return bool(self.forest or self.objects or self.containers or self.aces
                    or self.appeared or self.resolved or self.coverage)

    def counts(self) -> dict[str, int]:
        """How many of each kind of change."""
        by = Counter(d.kind for d in self.objects)
        return {"objects_added": by["added"], "objects_removed": by["removed"],
                "objects_changed": by["changed"],
                "aces_added": sum(1 for a in self.aces if a.kind == "added"),
                "aces_removed": sum(1 for a in self.aces if a.kind == "removed"),
                "containers_changed": len(self.containers), "forest_changed": len(self.forest),
                "findings_appeared": len(self.appeared), "findings_resolved": len(self.resolved),
                "coverage_changed": len(self.coverage)}


def compare_attributes(old: Attributes, new: Attributes) -> tuple[Change, ...]:
    """The attributes whose values differ, in the order they are first named."""
    old_map, new_map = dict(old), dict(new)
    names = list(dict.fromkeys([n for n, _ in old] + [n for n, _ in new]))
    return tuple(Change(n, old_map.get(n, ()), new_map.get(n, ())) for n in names
                 if old_map.get(n, ()) != new_map.get(n, ()))


def _match_objects(old: Iterable[ObjectView], new: Iterable[ObjectView]
                   ) -> tuple[list[tuple[ObjectView, ObjectView]], list[ObjectView],
                              list[ObjectView]]:
    """Pairs of the same object (by objectGUID, else by DN), and the unpaired of each side."""
    olds, news = list(old), list(new)
    pairs: list[tuple[ObjectView, ObjectView]] = []
    by_guid = {o.guid: o for o in news if o.guid}
    taken: set[int] = set()
    rest_old: list[ObjectView] = []
    for o in olds:
        n = by_guid.get(o.guid) if o.guid else None
        if n is not None and id(n) not in taken:
            pairs.append((o, n))
            taken.add(id(n))
        else:
            rest_old.append(o)
    by_dn = {n.dn.lower(): n for n in news if id(n) not in taken and not (
        n.guid and any(o.guid == n.guid for o in olds))}
    removed: list[ObjectView] = []
    for o in rest_old:
        n = by_dn.pop(o.dn.lower(), None)
        if n is not None and not (o.guid and n.guid and o.guid != n.guid):
            pairs.append((o, n))
            taken.add(id(n))
        else:
            if n is not None:
                by_dn[n.dn.lower()] = n
            removed.append(o)
    added = [n for n in news if id(n) not in taken]
    return pairs, removed, added


def _finding_key(f: Finding) -> tuple[str, str, str]:
    """A finding's identity across runs: rule, subject and title (the title names what the
    finding is about on that subject: the principal of an ACL finding, a count)."""
    return (f.rule_id, f.subject.lower(), f.title)


def compare(old: DiffInput, new: DiffInput) -> Diff:
    """What changed from ``old`` to ``new``."""
    notes: list[str] = []
    pairs, removed, added = _match_objects(old.objects, new.objects)
    objects: list[ObjectDelta] = []
    for o, n in pairs:
        changes = compare_attributes(o.attributes, n.attributes)
        if changes:
            objects.append(ObjectDelta("changed", n.dn, n.label, changes))
    objects += [ObjectDelta("removed", o.dn, o.label) for o in removed]
    objects += [ObjectDelta("added", n.dn, n.label) for n in added]
    objects.sort(key=lambda d: ({"added": 0, "removed": 1, "changed": 2}[d.kind], d.dn.lower()))

    containers: list[ContainerDelta] = []
    aces: list[AceDelta] = []
    new_containers = {c.key: c for c in new.containers}
    for oc in old.containers:
        nc = new_containers.get(oc.key)
        if nc is None:
            continue
        changes = compare_attributes(
            (("state", (oc.state,)), ("owner", (oc.owner,) if oc.owner else ())),
            (("state", (nc.state,)), ("owner", (nc.owner,) if nc.owner else ())))
        if changes:
            containers.append(ContainerDelta(nc.dn, changes))
        if oc.aces is None or nc.aces is None:
            if (oc.aces is None) != (nc.aces is None):
                which = old.side.path if oc.aces is None else new.side.path
                notes.append(f"the DACL of {nc.dn} was not read in {which}: its entries are "
                             "not compared")
            continue
        old_count = Counter((a.sddl, a.inherited) for a in oc.aces)
        new_count = Counter((a.sddl, a.inherited) for a in nc.aces)
        for kind, entries, left in (("removed", oc.aces, old_count - new_count),
                                    ("added", nc.aces, new_count - old_count)):
            for a in entries:
                if left[(a.sddl, a.inherited)] > 0:
                    left[(a.sddl, a.inherited)] -= 1
                    aces.append(AceDelta(kind, nc.dn, a))

    one_sided = (old.coverage is None) != (new.coverage is None)
    old_findings = {_finding_key(f): f for f in old.findings
                    if not (one_sided and f.rule_id.startswith(COVERAGE_RULES))}
    new_findings = {_finding_key(f): f for f in new.findings
                    if not (one_sided and f.rule_id.startswith(COVERAGE_RULES))}
    appeared = tuple(sorted((f for k, f in new_findings.items() if k not in old_findings),
                            key=Finding.sort_key))
    resolved = tuple(sorted((f for k, f in old_findings.items() if k not in new_findings),
                            key=Finding.sort_key))

    coverage: list[FamilyDelta] = []
    if old.coverage is not None and new.coverage is not None:
        totals = compare_attributes(old.coverage.totals, new.coverage.totals)
        if totals:
            coverage.append(FamilyDelta("changed", "(totals)", totals))
        old_fam, new_fam = dict(old.coverage.families), dict(new.coverage.families)
        for name in dict.fromkeys([*old_fam, *new_fam]):
            if name not in new_fam:
                coverage.append(FamilyDelta("removed", name))
            elif name not in old_fam:
                coverage.append(FamilyDelta("added", name, compare_attributes((), new_fam[name])))
            else:
                changes = compare_attributes(old_fam[name], new_fam[name])
                if changes:
                    coverage.append(FamilyDelta("changed", name, changes))
    elif (old.coverage is None) != (new.coverage is None):
        which = old.side.path if old.coverage is None else new.side.path
        notes.append(f"{which} has no coverage count (scan with --coverage): coverage and its "
                     "findings are not compared")
    return Diff(forest=compare_attributes(old.forest, new.forest), objects=tuple(objects),
                containers=tuple(containers), aces=tuple(aces), appeared=appeared,
                resolved=resolved, coverage=tuple(coverage), notes=tuple(notes))


def incomparable(old: Side, new: Side) -> tuple[str, str] | None:
    """Why two sides cannot be compared (message, way out), or None."""
    if old.command != new.command:
        return (f"{old.path} is {_what(old)} and {new.path} is {_what(new)}",
                "compare two scans (or snapshots), or two coverage results")
    if old.forest and new.forest and old.forest != new.forest:
        return (f"{old.path} and {new.path} are of different forests ({old.forest} and "
                f"{new.forest})", "compare two runs against the same forest")
    return None


def _what(side: Side) -> str:
    return "a snapshot" if side.kind == "snapshot" else f"the result of 'adba {side.kind}'"


def verdict(diff: Diff) -> str:
    """One line: what changed, and the findings that appeared (worst first) or went away."""
    if not diff.changed:
        return "No change: the same objects, permissions, findings and coverage"
    c = diff.counts()
    parts = []
    objects = [f"{c[f'objects_{k}']} {k}" for k in ("added", "removed", "changed")
               if c[f"objects_{k}"]]
    if objects:
        parts.append("objects: " + ", ".join(objects))
    if c["aces_added"] or c["aces_removed"]:
        parts.append(f"container permissions: {c['aces_added']} entr{'y' if c['aces_added'] == 1 else 'ies'} "
                     f"added, {c['aces_removed']} removed")
    if c["containers_changed"]:
        parts.append(f"{c['containers_changed']} container(s) changed")
    if c["forest_changed"]:
        parts.append("forest schema or level changed")
    if c["coverage_changed"]:
        parts.append(f"coverage: {c['coverage_changed']} row(s) changed")
    if diff.appeared:
        worst = diff.appeared[0].severity.value
        parts.append(f"{len(diff.appeared)} new finding(s) (worst {worst})")
    if diff.resolved:
        parts.append(f"{len(diff.resolved)} finding(s) gone")
    return "Changed: " + "; ".join(parts)
