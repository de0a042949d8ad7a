"""Step 1, headless: a new profile's name and which system keeps the billing and which
the books (the console's Profile step and `recontui setup --from-file` both save it here)."""

from __future__ import annotations

from ..store import Profile, ProfileNotFound, Store
from ..wiring import SYSTEMS


def systems_for(side: str) -> dict[str, str]:
    """The connectors that can take ``side`` ("a" billing, "b" accounting): name -> label."""
    return {name: info.label for name, info in SYSTEMS.items() if info.side == side}


def save_profile_step(
    store: Store, profile: Profile | None, name: str, billing: str, accounting: str
) -> Profile | str:
    """Make the profile (or change its systems): the profile, or the sentence saying what
    to fix."""
    if billing not in systems_for("a") or accounting not in systems_for("b"):
        known = ", ".join(systems_for("a")) + " / " + ", ".join(systems_for("b"))
        return f"Choose the billing system and the accounting system (known: {known})."
    if profile is not None:
        return store.save_profile(
            profile.name, billing, accounting, profile.a_settings, profile.b_settings
        )
    name = name.strip()
    if not name:
        return "Give the profile a name (for example the company's), then go on."
    try:
        store.get_profile(name)
    except ProfileNotFound:
        return store.save_profile(name, billing, accounting, {}, {})
    return (
        f"A profile named {name!r} exists already: choose another name, or run "
        f"`recontui setup --profile {name}` to go on with it."
    )
