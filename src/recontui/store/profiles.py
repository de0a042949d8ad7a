"""The profiles table: which two systems a profile syncs, and how to reach them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .base import StoreBase
from .database import StoreError, one, rows, scalar
from .rows import Profile


class ProfileNotFound(StoreError):
    pass


class ProfilesRepo(StoreBase):
    """Profiles: created, listed, chosen (the default), and their remembered companies."""

    def _profile(self, row: Mapping[str, Any]) -> Profile:
        return Profile(
            id=row["id"],
            name=row["name"],
            a_system=row["a_system"],
            b_system=row["b_system"],
            a_settings=json.loads(row["a_settings"]),
            b_settings=json.loads(row["b_settings"]),
            a_company_id=row["a_company_id"],
            b_company_id=row["b_company_id"],
            is_default=bool(row["is_default"]),
        )

    def list_profiles(self) -> list[Profile]:
        return [self._profile(r) for r in rows(self.db, "SELECT * FROM profiles ORDER BY name")]

    def get_profile(self, name: str | None = None) -> Profile:
        if name:
            row = one(self.db, "SELECT * FROM profiles WHERE name = ?", (name,))
            if row is None:
                known = ", ".join(p.name for p in self.list_profiles()) or "none yet"
                raise ProfileNotFound(
                    f"There is no profile named {name!r} in {self.path} (known: {known}); "
                    "create it with `recontui profile add` or `recontui sandbox serve --profile`."
                )
            return self._profile(row)
        row = one(self.db, "SELECT * FROM profiles ORDER BY is_default DESC, id LIMIT 1")
        if row is None:
            raise ProfileNotFound(
                f"No profile exists yet in {self.path}; create one with `recontui profile add` "
                "or `recontui sandbox serve --profile NAME`."
            )
        return self._profile(row)

    def save_profile(
        self,
        name: str,
        a_system: str,
        b_system: str,
        a_settings: Mapping[str, str],
        b_settings: Mapping[str, str],
        *,
        make_default: bool = False,
    ) -> Profile:
        """Create the profile, or update its systems and settings if it exists."""
        now = self.now()
        with self.transaction() as conn:
            existing = one(self.db, "SELECT id FROM profiles WHERE name = ?", (name,))
            if existing:
                conn.execute(
                    "UPDATE profiles SET a_system=?, b_system=?, a_settings=?, b_settings=? "
                    "WHERE id=?",
                    (
                        a_system,
                        b_system,
                        json.dumps(dict(a_settings)),
                        json.dumps(dict(b_settings)),
                        existing["id"],
                    ),
                )
            else:
                first = scalar(self.db, "SELECT count(*) FROM profiles") == 0
                conn.execute(
                    "INSERT INTO profiles (name, a_system, b_system, a_settings, b_settings, "
                    "is_default, created_at) VALUES (?,?,?,?,?,?,?)",
                    (
                        name,
                        a_system,
                        b_system,
                        json.dumps(dict(a_settings)),
                        json.dumps(dict(b_settings)),
                        1 if first else 0,
                        now,
                    ),
                )
            if make_default:
                conn.execute("UPDATE profiles SET is_default = (name = ?)", (name,))
        return self.get_profile(name)

    def set_company_ids(
        self, profile_id: int, a_company_id: str | None, b_company_id: str | None
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE profiles SET a_company_id = coalesce(?, a_company_id), "
                "b_company_id = coalesce(?, b_company_id) WHERE id = ?",
                (a_company_id, b_company_id, profile_id),
            )

    def forget_company_ids(self, profile_id: int) -> None:
        """Forget which companies the profile's two sides were (its next run takes the
        companies its connections reach)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE profiles SET a_company_id=NULL, b_company_id=NULL WHERE id=?",
                (profile_id,),
            )

    def remove_profile(self, name: str) -> None:
        profile = self.get_profile(name)
        with self.transaction() as conn:
            conn.execute("DELETE FROM profiles WHERE id = ?", (profile.id,))
