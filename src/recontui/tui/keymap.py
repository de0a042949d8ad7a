"""Keys the user remaps in the config file, by binding id.

The file is TOML, at ``$RECONTUI_CONFIG`` or the platform's config folder
(``~/.config/recontui/config.toml`` on Linux)::

    [keymap]
    "resolve.pick_a" = "1"
    "resolve.pick_b" = "2"
    "app.quit" = "ctrl+q"

`recontui keys` lists every binding id with its default key. A file that cannot be read
or names unknown ids never stops the console: it starts with the default keys and says why.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import pkgutil
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import platformdirs
from textual.binding import ActiveBinding, Binding
from textual.dom import DOMNode
from textual.keys import format_key


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("RECONTUI_CONFIG"):
        return Path(env["RECONTUI_CONFIG"]).expanduser()
    return Path(platformdirs.user_config_dir("recontui", appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class KnownBinding:
    id: str
    key: str
    description: str
    screen: str


def _classes() -> Iterator[type[DOMNode]]:
    from . import app as app_module
    from . import screens

    yield app_module.ReconApp
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"{screens.__name__}.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, DOMNode) and obj.__module__ == module.__name__:
                yield obj


def known_bindings() -> list[KnownBinding]:
    """Every binding the console declares, with its id and default key, sorted by id."""
    out: dict[str, KnownBinding] = {}
    for cls in _classes():
        where = "App" if cls.__name__ == "ReconApp" else cls.__name__.removesuffix("Screen")
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id and binding.id not in out:
                out[binding.id] = KnownBinding(binding.id, binding.key, binding.description, where)
    return sorted(out.values(), key=lambda b: b.id)


@cache
def default_keys() -> dict[str, str]:
    """Binding id -> its default key (the first, when a binding has several)."""
    return {b.id: b.key.split(",")[0].strip() for b in known_bindings()}


#: Keys a sentence names in words ("Enter saves", "escape cancels", "F5 retries").
SPOKEN = {"enter": "Enter", "escape": "escape", "space": "space", "tab": "Tab"}


def spoken_key(key: str) -> str:
    """A key as a sentence names it: "ctrl+s", "?" (not "question_mark"), "Enter", "F5"."""
    *modifiers, last = key.split("+")
    function_key = re.fullmatch(r"f\d+", last) is not None
    name = last.upper() if function_key else SPOKEN.get(last) or format_key(last)
    return "+".join([*modifiers, name])


def relabel(
    active: Mapping[str, ActiveBinding], descriptions: Mapping[str, str]
) -> dict[str, ActiveBinding]:
    """Active bindings with the descriptions given by binding id (keys named after the
    profile's systems: "Use BILL"); the footer, `?` and the palette all read them."""
    out = dict(active)
    for key, (node, binding, enabled, tooltip) in active.items():
        if binding.id is not None and binding.id in descriptions:
            named = dataclasses.replace(binding, description=descriptions[binding.id])
            out[key] = ActiveBinding(node, named, enabled, tooltip)
    return out


@dataclass
class Keymap:
    keys: dict[str, str] = field(default_factory=dict)
    #: Sentences for the user: the file could not be read, or named unknown ids.
    problems: list[str] = field(default_factory=list)
    path: Path | None = None

    def key(self, binding_id: str) -> str:
        """The key that runs `binding_id`: the file's (its first), else the default, named
        as a sentence names it. Messages that tell the user a key say this one."""
        keys = self.keys.get(binding_id) or default_keys()[binding_id]
        return spoken_key(keys.split(",")[0].strip())


def load_keymap(path: Path | None = None) -> Keymap:
    path = config_path() if path is None else path
    result = Keymap(path=path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return result
    except OSError as exc:
        result.problems.append(
            f"Cannot read {path} ({exc.strerror}); the console uses its default keys."
        )
        return result
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        result.problems.append(
            f"{path} is not valid TOML ({exc}); the console uses its default keys. "
            "Fix the file and restart."
        )
        return result
    section = data.get("keymap", {})
    if not isinstance(section, dict):
        result.problems.append(f'{path}: [keymap] must be a table of binding id = "key".')
        return result
    known = {b.id for b in known_bindings()}
    unknown, bad = [], []
    for binding_id, keys in section.items():
        if binding_id not in known:
            unknown.append(binding_id)
        elif not isinstance(keys, str) or not keys.strip():
            bad.append(binding_id)
        else:
            result.keys[binding_id] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    if unknown:
        result.problems.append(
            f"{path}: no binding has the id {', '.join(sorted(unknown))}; "
            "`recontui keys` lists the ids. The other keys were applied."
        )
    if bad:
        result.problems.append(
            f'{path}: {", ".join(sorted(bad))} must be a key name in quotes, e.g. "ctrl+q".'
        )
    return result
