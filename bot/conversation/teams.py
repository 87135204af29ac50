"""Working as a team: invites, joining, the team screen, removing a member, handing over the role."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import payloads
from bot.conversation.context import Ctx, clean_name
from bot.conversation.place import Place, Screen
from bot.html import esc
from bot.payloads import Payload
from bot.report.data import dutch_date
from bot.views import Button, Message, Notice
from storage.store import Invite, Succession, parse_iso

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INVITE_DAYS = 7
INVITE_MAX_USES = 10
INVITE_CODE = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16): 128 bits
PAGE = 6  # members per page of the team screen
INVITES_LISTED = 10  # open invites listed on the team screen (at most storage.store.MAX_OPEN_INVITES exist)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def shown_name(ctx: Ctx, name: str | None) -> str:
    return clean_name(name) or ctx.label("someone")


async def cmd_invite(ctx: Ctx, _: str = "") -> None:
    code = secrets.token_urlsafe(16)
    expires = ctx.now + timedelta(days=INVITE_DAYS)
    invite_id = await ctx.tx.create_invite(ctx.active.id, code_hash(code), ctx.user.id, ctx.now, expires, INVITE_MAX_USES)
    values = {"municipality": ctx.municipality_name(), "code": code,
              "expires": dutch_date(expires.astimezone(AMSTERDAM).date()), "max": INVITE_MAX_USES}  # fmt: skip
    if ctx.engine.bot_username:
        text = ctx.t("invite_created", link=f"https://t.me/{ctx.engine.bot_username}?start={code}", **values)
    else:
        text = ctx.t("invite_code_only", **values)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if await ctx.tx.role(ctx.active.id, ctx.user.id) == "coordinator":
        buttons = ((Button(ctx.label("invite_revoke_button"), payloads.make("i", invite_id)),),)
    ctx.keep(text, buttons)  # the invite is something to scroll back to and forward; the screen above stays
    ctx.silent = True


def invite_problem(ctx: Ctx, invite: Invite | None, used: bool) -> str | None:
    if invite is None:
        return "invite_unknown"
    if invite.revoked_at is not None:
        return "invite_revoked"
    if parse_iso(invite.expires_at) <= ctx.now:
        return "invite_expired"
    if used:
        return "invite_used"
    if invite.uses >= invite.max_uses:
        return "invite_full"
    return None


async def offer_invite(ctx: Ctx, code: str) -> None:
    from bot.conversation.checklist import resume
    from bot.conversation.municipality import activate

    invite = await ctx.tx.invite_by_hash(code_hash(code))
    mine = await ctx.tx.assessment_for_member(invite.assessment_id, ctx.user.id) if invite else None
    if mine is not None:
        await activate(ctx, mine)
        ctx.note(ctx.t("invite_already_member", municipality=ctx.municipality_name()))
        await resume(ctx)
        return
    used = invite is not None and await ctx.tx.invite_used_by(invite.id, ctx.user.id)
    problem = invite_problem(ctx, invite, used)
    if problem is not None or invite is None:
        ctx.note(ctx.t(problem or "invite_unknown"))
        return
    ctx.open_menu(Place(Screen.JOIN, invite=invite.id))


async def join_view(ctx: Ctx) -> Message:
    invite = await ctx.tx.invite(ctx.place.invite or 0)
    target = await ctx.tx.assessment(invite.assessment_id) if invite else None
    if invite is None or target is None:
        return Message(ctx.t("invite_unknown"), ((Button(ctx.label("cancel_button"), payloads.make("z")),),))
    text = ctx.t("invite_offer", inviter=shown_name(ctx, invite.created_by_name),
                 municipality=ctx.content.municipality(target.municipality_code).name, round=target.round)  # fmt: skip
    return Message(
        text,
        (
            (Button(ctx.label("invite_join_button"), payloads.make("y", invite.id)),),
            (Button(ctx.label("invite_decline_button"), payloads.make("z")),),
        ),
    )


async def press_join(ctx: Ctx, p: Payload) -> bool:
    from bot.conversation.checklist import resume
    from bot.conversation.municipality import activate

    if ctx.place.screen is not Screen.JOIN or ctx.place.invite != p.int(0):
        return False
    invite = await ctx.tx.invite(p.int(0))
    used = invite is not None and await ctx.tx.invite_used_by(p.int(0), ctx.user.id)
    problem = invite_problem(ctx, invite, used)
    if problem is not None or invite is None:
        ctx.pop()
        ctx.note(ctx.t(problem or "invite_unknown"))
        return True
    await ctx.tx.add_member(invite.assessment_id, ctx.user.id, ctx.now)
    await ctx.tx.use_invite(invite.id, ctx.user.id, ctx.now)
    target = await ctx.tx.assessment(invite.assessment_id)
    assert target is not None
    await activate(ctx, target)
    ctx.note(ctx.t("invite_joined", municipality=ctx.municipality_name()))
    await resume(ctx)
    return True


async def press_decline(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.JOIN:
        return False
    ctx.pop()
    ctx.note(ctx.t("invite_declined"))
    return True


async def press_revoke(ctx: Ctx, p: Payload) -> bool:
    invite = await ctx.tx.invite(p.int(0))
    if invite is None or await ctx.tx.role(invite.assessment_id, ctx.user.id) != "coordinator":
        return False
    if not await ctx.tx.revoke_invite(p.int(0), ctx.now):
        return False
    ctx.edit = Message(ctx.t("invite_revoked_done"))
    ctx.toast = ctx.label("invite_revoked_toast")
    ctx.silent = True
    return True


# -- /team ------------------------------------------------------------------------------------------
async def cmd_team(ctx: Ctx, _: str = "") -> None:
    ctx.open_menu(Place(Screen.TEAM))


async def team_view(ctx: Ctx) -> Message:
    members = await ctx.tx.members(ctx.active.id)
    lines = [ctx.t("team_title", municipality=ctx.municipality_name(), round=ctx.active.round)]
    coordinator = False
    for m in members:
        line = ctx.t("team_coordinator" if m.role == "coordinator" else "team_member", name=shown_name(ctx, m.display_name))
        if m.user_id == ctx.user.id:
            line += esc(ctx.label("team_you"))
            coordinator = m.role == "coordinator"
        lines.append(line)
    rows: list[tuple[Button, ...]] = []
    if coordinator:
        invites = await ctx.tx.open_invites(ctx.active.id, ctx.now)
        if invites:
            lines += ["", ctx.t("team_open_invites", count=len(invites))]
            for invite in invites[:INVITES_LISTED]:
                until = dutch_date(parse_iso(invite.expires_at).astimezone(AMSTERDAM).date())
                lines.append(ctx.t("team_open_invite", name=shown_name(ctx, invite.created_by_name), until=until,
                                   uses=invite.uses, max=invite.max_uses))  # fmt: skip
            if len(invites) > INVITES_LISTED:
                lines.append("• …")
            rows.append((Button(ctx.label("team_revoke_all_button"), payloads.make("ia", ctx.active.id)),))
        others = [m for m in members if m.user_id != ctx.user.id]
        pages = max(1, -(-len(others) // PAGE))
        page = min(ctx.place.page, pages - 1)
        for m in others[page * PAGE : (page + 1) * PAGE]:
            name = shown_name(ctx, m.display_name)
            rows.append((Button(ctx.label("team_remove_button", name=name), payloads.make("d", ctx.active.id, m.user_id)),
                         Button(ctx.label("team_handover_button", name=name), payloads.make("h", ctx.active.id, m.user_id))))  # fmt: skip
        if pages > 1:
            rows.append((Button(ctx.label("more_button"), payloads.make("pg", (page + 1) % pages)),))
    rows.append((Button(ctx.label("close_button"), payloads.make("q")),))
    hint = ctx.t("team_hint_coordinator" if coordinator else "team_hint_member")
    return Message("\n".join(lines) + "\n\n" + hint, tuple(rows))


async def press_revoke_all(ctx: Ctx, p: Payload) -> bool:
    """The coordinator revokes every open invite, also those other members made."""
    if ctx.place.screen is not Screen.TEAM or await ctx.tx.role(ctx.active.id, ctx.user.id) != "coordinator":
        return False
    invites = await ctx.tx.open_invites(ctx.active.id, ctx.now)
    revoked = [i for i in invites if await ctx.tx.revoke_invite(i.id, ctx.now)]
    ctx.note(ctx.t("team_invites_revoked", count=len(revoked)))
    return True


async def tell_successors(ctx: Ctx, successions: list[Succession]) -> None:
    """Tell whoever became coordinator because the coordinator deleted their data (contract §1 notices)."""
    for succession in successions:
        assessment = await ctx.tx.assessment(succession.assessment_id)
        if assessment is None:
            continue
        name = ctx.content.municipality(assessment.municipality_code).name
        ctx.notices.append(Notice(succession.user_key, Message(ctx.t("team_coordinator_passed_on", municipality=name))))


async def press_team_change(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.TEAM or ctx.assessment is None or p.int(0) != ctx.active.id:
        return False
    target_user = p.int(1)
    if target_user == ctx.user.id or await ctx.tx.role(ctx.active.id, ctx.user.id) != "coordinator":
        return False
    members = {m.user_id: m for m in await ctx.tx.members(ctx.active.id)}
    target = members.get(target_user)
    if target is None:
        return False
    name = shown_name(ctx, target.display_name)
    if p.kind == "d":
        if not await ctx.tx.remove_member(ctx.active.id, target_user):
            return False
        ctx.note(ctx.t("team_removed", name=name))
    else:
        if not await ctx.tx.hand_over(ctx.active.id, ctx.user.id, target_user):
            return False
        ctx.note(ctx.t("team_handed_over", name=name))
        key = await ctx.tx.user_key(target_user)
        if key is not None:
            text = ctx.t("team_you_are_coordinator", municipality=ctx.municipality_name(),
                         by=shown_name(ctx, ctx.user.display_name))  # fmt: skip
            ctx.notices.append(Notice(key, Message(text)))
    ctx.go(replace(ctx.place, page=0))
    return True
