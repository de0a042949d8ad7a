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

import importlib
import inspect
import os
import pkgutil
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from textual.binding import Binding
from textual.dom import DOMNode


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
    """Every binding the console declares, with its id and default key, sorted by id.

    Screens that add bindings when they open (named after the systems of the profile)
    declare them in ``RUNTIME_BINDINGS``.
    """
    out: dict[str, KnownBinding] = {}
    for cls in _classes():
        where = "App" if cls.__name__ == "ReconApp" else cls.__name__.removesuffix("Screen")
        declared = list(getattr(cls, "BINDINGS", [])) + list(getattr(cls, "RUNTIME_BINDINGS", []))
        for binding in declared:
            if isinstance(binding, Binding) and binding.id and binding.id not in out:
                out[binding.id] = KnownBinding(binding.id, binding.key, binding.description, where)
    return sorted(out.values(), key=lambda b: b.id)


@dataclass
class Keymap:
    keys: dict[str, str] = field(default_factory=dict)
    #: Sentences for the user: the file could not be read, or named unknown ids.
    problems: list[str] = field(default_factory=list)
    path: Path | None = None


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
