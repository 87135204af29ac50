"""Teams: members, roles and invites (mixed into :class:`storage.store.Tx`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from storage.timestamps import iso

MAX_OPEN_INVITES = 20  # unexpired, unrevoked invites per assessment; a new one revokes the oldest beyond it


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    display_name: str | None
    role: str  # "coordinator" or "member"
    joined_at: str


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    assessment_id: int
    created_by: int | None
    created_by_name: str | None
    created_at: str
    expires_at: str
    max_uses: int
    revoked_at: str | None
    uses: int


@dataclass(frozen=True, slots=True)
class Succession:
    """The coordinator role passed on to ``user_id`` (``user_key`` "tg:42", to tell them)."""

    assessment_id: int
    user_id: int
    user_key: str
    display_name: str | None


class TeamQueries:
    """Members and invites (mixed into :class:`Tx`).

    Who may do what (the core enforces it; these queries keep the data consistent): every
    member may invite; the coordinator sees every open invite of the assessment, whoever made
    it, and may revoke any (:meth:`open_invites`); a removed member's invites are revoked with
    them; when the coordinator deletes their data (or leaves), the role passes to the
    longest-standing member (:meth:`pass_on_coordinator`), who is returned so the core can tell
    them; at most :data:`MAX_OPEN_INVITES` invites are open per assessment.
    """

    _one: Any
    _all: Any
    _run: Any
    _later: Any
    _later_many: Any

    async def members(self, assessment_id: int) -> list[Member]:
        rows = await self._all(
            """
            SELECT m.user_id, u.display_name, m.role, m.joined_at FROM members m JOIN users u ON u.id = m.user_id
            WHERE m.assessment_id = ? ORDER BY m.role = 'member', m.joined_at, m.user_id
            """,
            (assessment_id,),
        )
        return [Member(r["user_id"], r["display_name"], r["role"], r["joined_at"]) for r in rows]

    async def role(self, assessment_id: int, user_id: int) -> str | None:
        row = await self._one(
            "SELECT role FROM members WHERE assessment_id = ? AND user_id = ?", (assessment_id, user_id)
        )
        return row["role"] if row else None

    async def add_member(self, assessment_id: int, user_id: int, now: datetime) -> bool:
        changed = await self._run(
            "INSERT OR IGNORE INTO members (assessment_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
            (assessment_id, user_id, iso(now)),
        )
        return changed == 1

    async def remove_member(self, assessment_id: int, user_id: int, now: datetime | None = None) -> bool:
        """Remove a member (not the coordinator) and revoke the invites they made for this assessment."""
        changed = await self._run(
            "DELETE FROM members WHERE assessment_id = ? AND user_id = ? AND role = 'member'", (assessment_id, user_id)
        )
        if changed == 1:
            self._later(
                "UPDATE invites SET revoked_at = ? WHERE assessment_id = ? AND created_by = ? AND revoked_at IS NULL",
                (iso(now or datetime.now(UTC)), assessment_id, user_id),
            )
        self._later(
            "UPDATE users SET active_assessment_id = NULL WHERE id = ? AND active_assessment_id = ?",
            (user_id, assessment_id),
        )
        self._later("DELETE FROM positions WHERE user_id = ? AND assessment_id = ?", (user_id, assessment_id))
        return changed == 1

    async def hand_over(self, assessment_id: int, from_user: int, to_user: int) -> bool:
        """Make ``to_user`` the coordinator; ``from_user`` becomes a member."""
        if await self.role(assessment_id, to_user) != "member" or await self.role(assessment_id, from_user) != "coordinator":
            return False
        self._later(
            "UPDATE members SET role = 'member' WHERE assessment_id = ? AND user_id = ?", (assessment_id, from_user)
        )
        self._later(
            "UPDATE members SET role = 'coordinator' WHERE assessment_id = ? AND user_id = ?", (assessment_id, to_user)
        )
        return True

    async def pass_on_coordinator(self, assessment_id: int, leaving_user_id: int) -> Succession | None:
        """When ``leaving_user_id`` coordinates the assessment and others remain, the member who
        joined first (then the lowest id) becomes coordinator; ``leaving_user_id`` a member."""
        if await self.role(assessment_id, leaving_user_id) != "coordinator":
            return None
        row = await self._one(
            """
            SELECT m.user_id, u.external_id, u.display_name FROM members m JOIN users u ON u.id = m.user_id
            WHERE m.assessment_id = ? AND m.user_id <> ? ORDER BY m.joined_at, m.user_id LIMIT 1
            """,
            (assessment_id, leaving_user_id),
        )
        if row is None:
            return None
        await self.hand_over(assessment_id, leaving_user_id, row["user_id"])
        return Succession(assessment_id, row["user_id"], row["external_id"], row["display_name"])

    async def create_invite(
        self, assessment_id: int, code_hash: str, user_id: int, now: datetime, expires: datetime, max_uses: int
    ) -> int:
        """A new invite; the oldest open ones beyond :data:`MAX_OPEN_INVITES` are revoked."""
        row = await self._one(
            """
            INSERT INTO invites (assessment_id, code_hash, created_by, created_at, expires_at, max_uses)
            VALUES (?, ?, ?, ?, ?, ?) RETURNING id
            """,
            (assessment_id, code_hash, user_id, iso(now), iso(expires), max_uses),
        )
        assert row is not None
        self._later(
            """
            UPDATE invites SET revoked_at = ? WHERE id IN (
                SELECT id FROM invites WHERE assessment_id = ? AND revoked_at IS NULL AND expires_at > ?
                ORDER BY id DESC LIMIT -1 OFFSET ?)
            """,
            (iso(now), assessment_id, iso(now), MAX_OPEN_INVITES),
        )
        return int(row["id"])

    async def open_invites(self, assessment_id: int, now: datetime) -> list[Invite]:
        """Every invite of the assessment that can still be used, whoever made it, oldest first."""
        rows = await self._all(
            """
            SELECT id FROM invites i WHERE assessment_id = ? AND revoked_at IS NULL AND expires_at > ?
              AND (SELECT COUNT(*) FROM invite_uses x WHERE x.invite_id = i.id) < max_uses
            ORDER BY id
            """,
            (assessment_id, iso(now)),
        )
        found = [await self.invite(r["id"]) for r in rows]
        return [i for i in found if i is not None]

    async def _invite(self, where: str, param: object) -> Invite | None:
        row = await self._one(
            f"""
            SELECT i.*, u.display_name AS created_by_name,
                   (SELECT COUNT(*) FROM invite_uses x WHERE x.invite_id = i.id) AS uses
            FROM invites i LEFT JOIN users u ON u.id = i.created_by WHERE {where}
            """,
            (param,),
        )
        if row is None:
            return None
        return Invite(
            id=row["id"],
            assessment_id=row["assessment_id"],
            created_by=row["created_by"],
            created_by_name=row["created_by_name"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            max_uses=row["max_uses"],
            revoked_at=row["revoked_at"],
            uses=row["uses"],
        )

    async def invite_by_hash(self, code_hash: str) -> Invite | None:
        return await self._invite("i.code_hash = ?", code_hash)

    async def invite(self, invite_id: int) -> Invite | None:
        return await self._invite("i.id = ?", invite_id)

    async def invite_used_by(self, invite_id: int, user_id: int) -> bool:
        row = await self._one("SELECT 1 FROM invite_uses WHERE invite_id = ? AND user_id = ?", (invite_id, user_id))
        return row is not None

    async def use_invite(self, invite_id: int, user_id: int, now: datetime) -> None:
        self._later(
            "INSERT OR IGNORE INTO invite_uses (invite_id, user_id, used_at) VALUES (?, ?, ?)",
            (invite_id, user_id, iso(now)),
        )

    async def revoke_invite(self, invite_id: int, now: datetime) -> bool:
        changed = await self._run(
            "UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (iso(now), invite_id)
        )
        return changed == 1
