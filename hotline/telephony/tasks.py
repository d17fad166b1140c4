"""The Huey task behind ``pbx.send``: one AMI action on its own short connection."""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings
from huey import crontab

from hotline.jobs.queue import huey
from hotline.telephony.ami.client import AmiAuthError, AmiClient, AmiConnectionError

logger = logging.getLogger("hotline.telephony.pbx")

RETRIES = 3
RETRY_DELAY_SECONDS = 5


async def _send_once(action: str, fields: dict[str, str | list[str]]) -> dict[str, str]:
    client = AmiClient(
        settings.HOTLINE_AMI_HOST,
        settings.HOTLINE_AMI_PORT,
        settings.HOTLINE_AMI_USER,
        settings.HOTLINE_AMI_SECRET,
        events=False,
    )
    await client.connect()
    try:
        answer = await client.send(action, **fields)
    finally:
        await client.logoff()
    return answer.as_dict()


def send_now(action: str, fields: dict[str, str | list[str]]) -> dict[str, str]:
    """Connect, log in, send, log off (blocking). The PBX's ``Response`` as a dict;
    AmiConnectionError when it cannot be reached, AmiAuthError when the login is refused."""
    return asyncio.run(_send_once(action, fields))


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)  # type: ignore[untyped-decorator]  # huey ships no type information
def ami_action(action: str, fields: dict[str, str | list[str]]) -> dict[str, str]:
    """One PBX command; an unreachable PBX raises (Huey tries again), a refused action
    (``Response: Error``: not a queue member, no such channel) is logged and not retried."""
    if not settings.HOTLINE_AMI_HOST:
        logger.info("未配置交换机 (HOTLINE_AMI_HOST):%s 未发送", action)
        return {}
    try:
        answer = send_now(action, fields)
    except AmiAuthError as exc:
        logger.error("交换机拒绝登录(%s):%s 未发送,请检查 HOTLINE_AMI_USER / HOTLINE_AMI_SECRET", exc, action)
        return {"Response": "Error", "Message": str(exc)}
    except AmiConnectionError as exc:
        logger.warning("交换机连接失败(%s):%s 稍后重试", exc, action)
        raise
    if answer.get("Response") != "Success":
        logger.warning("交换机未执行 %s:%s", action, answer.get("Message", ""))
    else:
        logger.info("交换机已执行 %s", action)
    return answer


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
def agent_upkeep() -> None:
    """Wrap-ups past their end become ready (a browser's stream does it sooner); agents whose
    browser has gone (no stream heartbeat for 90 s) are signed out; pushes older than a day
    (long read or never to be) are dropped. All idempotent."""
    from hotline.telephony.services import expire_wrapups, prune_pushes, sign_out_stale

    ended, gone = expire_wrapups(), sign_out_stale()
    prune_pushes()
    if ended or gone:
        logger.info("座席维护:话后整理结束 %d 人,签出离线 %d 人", ended, gone)
