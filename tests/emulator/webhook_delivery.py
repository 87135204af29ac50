"""Delivery of updates to a webhook, one at a time, as Telegram does.

An update is confirmed when the webhook answers with a 2xx status; otherwise
the error is recorded for getWebhookInfo (``last_error_date`` and
``last_error_message``) and the same update is retried with a growing pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp

from .world import BotWorld, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    def __init__(self, world: BotWorld) -> None:
        self._world = world
        self._task: asyncio.Task[None] | None = None

    def restart(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        hook = self._world.webhook
        if hook is not None:
            self._task = asyncio.get_running_loop().create_task(self._run(hook))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, hook: WebhookConfig) -> None:
        world = self._world
        pause = 0.05
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while world.webhook is hook:
                pending = world.updates.pending
                if not pending:
                    await world.updates.wait_added(1.0)
                    continue
                update = pending[0]
                headers = {"Content-Type": "application/json"}
                if hook.secret_token:
                    headers[SECRET_HEADER] = hook.secret_token
                try:
                    async with session.post(
                        hook.url, data=json.dumps(update.to_api()), headers=headers
                    ) as response:
                        await response.read()
                        if 200 <= response.status < 300:
                            world.updates.confirm(update.update_id + 1)
                            pause = 0.05
                            continue
                        hook.last_error_message = (
                            f"Wrong response from the webhook: {response.status} {response.reason}"
                        )
                except asyncio.TimeoutError:
                    hook.last_error_message = "Read timeout expired"
                except aiohttp.ClientConnectorError:
                    hook.last_error_message = "Connection refused"
                except aiohttp.ClientError as exc:
                    hook.last_error_message = f"Connection error: {exc.__class__.__name__}"
                hook.last_error_date = world.now()
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
