"""Text messages to holders (Art. 16): the outbox worker's third channel, beside webhooks and
e-mail, with the same delivery log (attempts, result, dead letters, replay).

`SmsGateway` is the interface a province's SMS service is plugged in through. The one adapter
shipped, `HttpSmsGateway`, posts JSON to the gateway's URL (`ECERT_SMS_URL`, https, or http on
loopback): ``{"to": "+86…", "text": "…", "id": "msg_…"}``; any 2xx means accepted. The `id` is
the event's idempotency key, so a retried message is recognisable as the same one. The text
names the certificate and what happened, never the holder's ID number.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import httpx

from ecert.services.mail import SUBJECTS

TIMEOUT = 10.0
PHONE = re.compile(r"\+?[0-9]{6,15}")  # E.164 digits; the identity service vouches for the number


class SmsGateway(Protocol):
    def send(self, to: str, text: str, msg_id: str) -> tuple[bool, str]:
        """(accepted, result as the delivery log keeps it)."""


class HttpSmsGateway:
    def __init__(self, url: str, http: httpx.Client) -> None:
        self._url = url
        self._http = http

    def send(self, to: str, text: str, msg_id: str) -> tuple[bool, str]:
        try:
            r = self._http.post(self._url, json={"to": to, "text": text, "id": msg_id},
                                timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            return False, f"SMS {type(exc).__name__}"
        return 200 <= r.status_code < 300, f"SMS HTTP {r.status_code}"


def text(kind: str, data: dict[str, Any]) -> str:
    """One short message: what happened and to which certificate (no personal data)."""
    what = SUBJECTS.get(kind, "电子证照通知")
    return f"【西藏电子证照】{what}：{data.get('identifier', '')}。请登录平台查看。"
