"""Bottom-up order of link tier names ("scale-up", "nic", "leaf-spine", "agg-core", ...)."""

from .inputs import get


def order(names, summary):
    """Tier names bottom-up. summary.json's "tiers" list is already bottom-up (sim/report
    link_tiers), so its order wins; tiers it does not list follow "scale-up" and "nic" first,
    then by name, which keeps the output deterministic."""
    listed = []
    for entry in get(summary, "/tiers", "list") or []:
        if isinstance(entry, dict) and isinstance(entry.get("tier"), str) and entry["tier"] not in listed:
            listed.append(entry["tier"])
    fixed = {"scale-up": 0, "nic": 1}
    rest = sorted(set(names) - set(listed), key=lambda n: (fixed.get(n, 2), n))
    return [n for n in listed if n in set(names)] + rest


def direction_rank(direction):
    return {"up": 0, "down": 1}.get(direction, 2)
