"""Personal data: deleting everything (/verwijder) and downloading it (/mijngegevens)."""

from __future__ import annotations

import json

from bot import payloads
from bot.conversation.context import Ctx
from bot.conversation.place import Place, Screen
from bot.conversation.teams import tell_successors
from bot.payloads import Payload
from bot.views import Button, Document, Message


async def cmd_delete(ctx: Ctx, _: str = "") -> None:
    ctx.open_menu(Place(Screen.CONFIRM_DELETE))


async def delete_view(ctx: Ctx) -> Message:
    return Message(
        ctx.t("delete_confirm"),
        (
            (Button(ctx.label("delete_yes_button"), payloads.make("x", "y")),),
            (Button(ctx.label("delete_no_button"), payloads.make("x", "n")),),
        ),
    )


async def press_delete(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.CONFIRM_DELETE:
        return False
    if p.args[0] != "y":
        ctx.pop()
        ctx.note(ctx.t("delete_cancelled"))
        return True
    successions = await ctx.tx.delete_user(ctx.user.id, ctx.now)
    await tell_successors(ctx, successions)
    ctx.deleted = True
    ctx.assessment = None
    ctx.edit = Message(ctx.t("deleted"))
    ctx.silent = True
    return True


async def cmd_my_data(ctx: Ctx, _: str = "") -> None:
    data = await ctx.tx.export_user(ctx.user.id)
    for item in data["assessments"]:
        if ctx.content.has_municipality(item["municipality_code"]):
            item["municipality"] = ctx.content.municipality(item["municipality_code"]).name
    payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    ctx.documents.append(Document("mijn-gegevens-checkbot.json", payload, ctx.t("mydata_caption")))
    ctx.silent = True
