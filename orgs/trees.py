"""Integrity of the mptt trees: ``lft``/``rght``/``level`` against parent links.

django-mptt keeps nested-set numbers beside the parent links; a race or a raw
UPDATE can make them disagree silently. ``tree_problems`` recomputes the numbers
from the parent links alone (children in their current order) and reports every
row that differs, plus the plain ``street``/``community`` keys that must follow
the parent. ``manage.py check_trees`` runs it over every tree.
"""

from collections import defaultdict

from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from orgs.services import ALLOWED_PARENTS

TREE_FIELDS = ("pk", "parent_id", "tree_id", "lft", "rght", "level", "code")


def _structure_problems(label, rows):
    """Return problems of nested-set numbers in ``rows`` (dicts of TREE_FIELDS)."""
    problems = []
    by_id = {r["pk"]: r for r in rows}
    children = defaultdict(list)
    trees = defaultdict(list)
    for r in rows:
        trees[r["tree_id"]].append(r)
        if r["parent_id"] is not None:
            parent = by_id.get(r["parent_id"])
            if parent is None:
                problems.append(
                    _("%(label)s %(code)s：上级 #%(parent)s 不存在。")
                    % {"label": label, "code": r["code"], "parent": r["parent_id"]}
                )
                continue
            if parent["tree_id"] != r["tree_id"]:
                problems.append(
                    _(
                        "%(label)s %(code)s：tree_id=%(tree)s 与上级 %(parent)s 的 "
                        "tree_id=%(ptree)s 不同。"
                    )
                    % {
                        "label": label,
                        "code": r["code"],
                        "tree": r["tree_id"],
                        "parent": parent["code"],
                        "ptree": parent["tree_id"],
                    }
                )
            children[r["parent_id"]].append(r)
    for kids in children.values():
        kids.sort(key=lambda r: (r["lft"], r["pk"]))
    seen = set()
    for tree_id, members in sorted(trees.items()):
        roots = [r for r in members if r["parent_id"] is None]
        if len(roots) != 1:
            problems.append(
                _("%(label)s 树 %(tree)s 有 %(n)s 个根节点（应为 1 个）。")
                % {"label": label, "tree": tree_id, "n": len(roots)}
            )
        roots.sort(key=lambda r: (r["lft"], r["pk"]))
        cursor = 0
        for root in roots:
            # Iterative depth-first walk: (row, level, entering?).
            stack = [(root, 0, True)]
            expected = {}
            while stack:
                row, level, entering = stack.pop()
                if entering:
                    if row["pk"] in seen:
                        continue
                    seen.add(row["pk"])
                    cursor += 1
                    expected[row["pk"]] = [cursor, None, level]
                    stack.append((row, level, False))
                    for kid in reversed(children.get(row["pk"], [])):
                        if kid["tree_id"] == tree_id:
                            stack.append((kid, level + 1, True))
                else:
                    cursor += 1
                    expected[row["pk"]][1] = cursor
            for pk, (lft, rght, level) in expected.items():
                r = by_id[pk]
                if (r["lft"], r["rght"], r["level"]) != (lft, rght, level):
                    problems.append(
                        _(
                            "%(label)s %(code)s：lft/rght/level 为 "
                            "%(lft)s/%(rght)s/%(level)s，按上级关系应为 "
                            "%(elft)s/%(erght)s/%(elevel)s。"
                        )
                        % {
                            "label": label,
                            "code": r["code"],
                            "lft": r["lft"],
                            "rght": r["rght"],
                            "level": r["level"],
                            "elft": lft,
                            "erght": rght,
                            "elevel": level,
                        }
                    )
    for r in rows:
        if r["pk"] not in seen and r["parent_id"] in by_id:
            problems.append(
                _("%(label)s %(code)s：从根节点无法到达（上级关系可能成环）。")
                % {"label": label, "code": r["code"]}
            )
    return problems


def org_tree_problems():
    """Return every problem of the organisation trees, in Chinese."""
    label = _("组织")
    rows = list(
        OrgNode.objects.order_by("tree_id", "lft").values(
            *TREE_FIELDS, "kind", "street_id", "community_id"
        )
    )
    problems = _structure_problems(label, rows)
    by_id = {r["pk"]: r for r in rows}
    for r in rows:
        parent = by_id.get(r["parent_id"])
        kind = r["kind"]
        if kind == OrgKind.STREET:
            expected = (None, None)
        elif parent is None:
            problems.append(
                _("%(label)s %(code)s：%(kind)s 没有上级。")
                % {"label": label, "code": r["code"], "kind": OrgKind(kind).label}
            )
            continue
        else:
            street = (
                parent["pk"]
                if parent["kind"] == OrgKind.STREET
                else parent["street_id"]
            )
            if kind == OrgKind.COMMUNITY:
                community = r["pk"]
            elif parent["kind"] == OrgKind.COMMUNITY:
                community = parent["pk"]
            else:
                community = parent["community_id"]
            expected = (street, community)
        if parent is not None and parent["kind"] not in ALLOWED_PARENTS[kind]:
            problems.append(
                _("%(label)s %(code)s：%(kind)s 不能放在%(pkind)s之下。")
                % {
                    "label": label,
                    "code": r["code"],
                    "kind": OrgKind(kind).label,
                    "pkind": OrgKind(parent["kind"]).label,
                }
            )
        actual = (r["street_id"], r["community_id"])
        if actual != expected:
            problems.append(
                _(
                    "%(label)s %(code)s：街道/社区键为 %(actual)s，按上级关系应为 "
                    "%(expected)s。"
                )
                % {
                    "label": label,
                    "code": r["code"],
                    "actual": "/".join(str(v) for v in actual),
                    "expected": "/".join(str(v) for v in expected),
                }
            )
    return problems


def cell_tree_problems():
    """Return every problem of the grid trees (grids.Cell), in Chinese."""
    from grids.models import Cell

    label = _("网格")
    # ``level`` is the grid level (1…6); mptt keeps its depth in another field.
    depth = Cell._mptt_meta.level_attr
    fields = [f for f in TREE_FIELDS if f != "level"]
    rows = list(
        Cell.objects.order_by("tree_id", "lft").values(
            *fields, depth, "level", "street_id", "community_id"
        )
    )
    for r in rows:
        r["grid_level"], r["level"] = r["level"], r.pop(depth)
    problems = _structure_problems(label, rows)
    for r in rows:
        if r["grid_level"] != r["level"] + 1:
            problems.append(
                _(
                    "%(label)s %(code)s：网格层级为 %(grid)s，按上级关系应为 %(expected)s。"
                )
                % {
                    "label": label,
                    "code": r.get("code", r["pk"]),
                    "grid": r["grid_level"],
                    "expected": r["level"] + 1,
                }
            )
    by_id = {r["pk"]: r for r in rows}
    community_streets = dict(
        OrgNode.objects.filter(kind=OrgKind.COMMUNITY).values_list("pk", "street_id")
    )
    for r in rows:
        parent = by_id.get(r["parent_id"])
        mismatch = parent is not None and (
            r["street_id"] != parent["street_id"]
            or (
                parent["community_id"] is not None
                and r["community_id"] != parent["community_id"]
            )
        )
        if mismatch:
            problems.append(
                _(
                    "%(label)s %(code)s：街道/社区键 %(s)s/%(c)s 与上级 %(parent)s 的 "
                    "%(ps)s/%(pc)s 不一致。"
                )
                % {
                    "label": label,
                    "code": r["code"],
                    "s": r["street_id"],
                    "c": r["community_id"],
                    "parent": parent["code"],
                    "ps": parent["street_id"],
                    "pc": parent["community_id"],
                }
            )
        if (
            r["community_id"] is not None
            and community_streets.get(r["community_id"]) != r["street_id"]
        ):
            problems.append(
                _("%(label)s %(code)s：社区 #%(c)s 不属于街道 #%(s)s。")
                % {
                    "label": label,
                    "code": r["code"],
                    "c": r["community_id"],
                    "s": r["street_id"],
                }
            )
    return problems
