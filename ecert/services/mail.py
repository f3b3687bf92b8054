"""E-mail to holders over SMTP (Art. 16, 17): the outbox worker's second channel.

One message per event; its Message-ID and `X-Ecert-Event-Id` carry the event's idempotency key,
so a retried message is recognisable as the same one. The text names the certificate and what
happened, never the holder's ID number.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from ecert.settings import Settings
from issuer.lifecycle import TRANSITIONS

# status moves take the lifecycle's own word (撤销 is not 吊销, 转移 is not 注销: issue 14)
SUBJECTS = {
    **{f"certificate.{event}": f"您的电子证照已{t.label}" for event, t in TRANSITIONS.items()
       if event not in ("issue", "change")},
    "certificate.issued": "您的电子证照已签发",
    "certificate.changed": "您的电子证照已变更",
    "expiry-reminder": "您的电子证照即将到期",
    "objection-overdue": "异议处理已超期",
    "certificate.resigned": "您的电子证照已重新签名",
    "objection.received": "收到异议",
    "objection.answered": "您的异议已答复",
    "objection.escalated": "异议逾期未答复，已转主管部门督办",
    "objection.coordinated": "主管部门已就异议作出协调答复",
}


def compose(settings: Settings, to: str, kind: str, data: dict[str, Any],
            msg_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = SUBJECTS.get(kind, "电子证照通知") + "（西藏自治区电子证照平台）"
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = f"<{msg_id}@{settings.mail_from.rpartition('@')[2] or 'ecert'}>"
    msg["X-Ecert-Event-Id"] = msg_id
    lines = [SUBJECTS.get(kind, "电子证照通知") + "。", "",
             f"证照标识：{data.get('identifier', '')}"]
    if "days" in data:
        lines.append(f"有效期至：{data.get('valid_to', '')}（{data['days']} 天内到期）")
    if data.get("reason"):
        lines.append(f"原因：{data['reason']}")
    lines += ["", f"登录查看：{settings.base_url}/holder", "（本邮件由系统发送，请勿回复。）"]
    msg.set_content("\n".join(lines))
    return msg


def send(settings: Settings, to: str, kind: str, data: dict[str, Any],
         msg_id: str) -> tuple[bool, str]:
    """(delivered, result): the SMTP server's acceptance, or why not."""
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(compose(settings, to, kind, data, msg_id))
    except (OSError, smtplib.SMTPException) as exc:
        return False, f"SMTP {type(exc).__name__}"
    return True, "SMTP accepted"
