"""The outbox's delivery side: webhook endpoints of departments and one row per event and
channel with its attempts and result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from certificate_store.errors import NotFound
from certificate_store.models.certificates import Notification
from certificate_store.models.outbox import Delivery, WebhookEndpoint
from certificate_store.repos._convert import to_record


@dataclass(frozen=True)
class EndpointRecord:
    dept_code: str
    url: str
    secret: str
    active: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    notification_id: int
    channel: str
    target: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    last_result: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    # of the event (the notification row)
    kind: str = ""
    recipient: str = ""
    dedupe_key: str = ""
    payload: str = "{}"


def _rec(d: Delivery, n: Notification) -> DeliveryRecord:
    return to_record(d, DeliveryRecord, kind=n.kind, recipient=n.recipient,
                     dedupe_key=n.dedupe_key, payload=n.payload)


class OutboxRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- endpoints
    def set_endpoint(self, dept_code: str, url: str, secret: str, now: dt.datetime) -> EndpointRecord:
        row = self._s.get(WebhookEndpoint, dept_code)
        if row is None:
            row = WebhookEndpoint(dept_code=dept_code, created_at=now)
            self._s.add(row)
        row.url, row.secret, row.active = url, secret, True
        self._s.flush()
        return to_record(row, EndpointRecord)

    def endpoint(self, dept_code: str) -> EndpointRecord | None:
        row = self._s.get(WebhookEndpoint, dept_code)
        return None if row is None or not row.active else to_record(row, EndpointRecord)

    # -- routing: events for departments become deliveries
    def unrouted(self, now: dt.datetime, limit: int = 200) -> list[tuple[int, str]]:
        """(notification id, recipient) of due events for departments with an endpoint, not
        yet handed to it (a department without one keeps its events until it registers)."""
        with_endpoint = select(literal("dept:") + WebhookEndpoint.dept_code).where(
            WebhookEndpoint.active.is_(True))
        q = (select(Notification.id, Notification.recipient)
             .where(Notification.sent_at.is_(None), Notification.due_at <= now,
                    Notification.recipient.in_(with_endpoint))
             .order_by(Notification.id).limit(limit))
        return [(int(i), str(r)) for i, r in self._s.execute(q)]

    def route(self, notification_id: int, channel: str, target: str | None,
              now: dt.datetime) -> None:
        """Hand the event to `channel` (None: no endpoint, nothing to deliver); marks it sent."""
        n = self._s.get(Notification, notification_id, with_for_update=True)
        if n is None or n.sent_at is not None:
            return
        n.sent_at = now
        if target is not None:
            self._s.add(Delivery(notification_id=notification_id, channel=channel, target=target,
                                 state="pending", attempts=0, next_attempt_at=now,
                                 created_at=now))
        self._s.flush()

    # -- delivery
    def claim_due(self, now: dt.datetime, lease: dt.timedelta, limit: int = 50
                  ) -> list[DeliveryRecord]:
        """Due pending deliveries, leased to this worker until `now + lease`."""
        q = (select(Delivery, Notification).join(Notification,
                                                 Notification.id == Delivery.notification_id)
             .where(Delivery.state == "pending", Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
             .with_for_update(skip_locked=True, of=Delivery))
        out = []
        for d, n in self._s.execute(q).all():
            d.next_attempt_at = now + lease
            out.append(_rec(d, n))
        self._s.flush()
        return out

    def result(self, delivery_id: int, *, delivered: bool, result: str, now: dt.datetime,
               retry_at: dt.datetime | None) -> DeliveryRecord:
        d = self._s.get(Delivery, delivery_id, with_for_update=True)
        if d is None:
            raise NotFound(f"no delivery {delivery_id}")
        d.attempts += 1
        d.last_result = result[:300]
        if delivered:
            d.state, d.delivered_at = "delivered", now
        elif retry_at is None:
            d.state = "dead"
        else:
            d.next_attempt_at = retry_at
        self._s.flush()
        return self.get(delivery_id)

    def replay(self, delivery_id: int, now: dt.datetime) -> DeliveryRecord:
        d = self._s.get(Delivery, delivery_id, with_for_update=True)
        if d is None:
            raise NotFound(f"no delivery {delivery_id}")
        d.state, d.attempts, d.next_attempt_at = "pending", 0, now
        self._s.flush()
        return self.get(delivery_id)

    def get(self, delivery_id: int) -> DeliveryRecord:
        row = self._s.execute(select(Delivery, Notification).join(
            Notification, Notification.id == Delivery.notification_id
        ).where(Delivery.id == delivery_id)).first()
        if row is None:
            raise NotFound(f"no delivery {delivery_id}")
        return _rec(row[0], row[1])

    def deliveries(self, state: str | None = None, limit: int = 100) -> list[DeliveryRecord]:
        q = select(Delivery, Notification).join(Notification,
                                                Notification.id == Delivery.notification_id)
        if state is not None:
            q = q.where(Delivery.state == state)
        return [_rec(d, n) for d, n in self._s.execute(q.order_by(Delivery.id.desc())
                                                       .limit(limit)).all()]


__all__ = ["DeliveryRecord", "EndpointRecord", "OutboxRepo"]
