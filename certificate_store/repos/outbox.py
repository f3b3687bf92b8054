"""The outbox's delivery side: webhook endpoints of departments and one row per event and
channel with its attempts and result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from certificate_store.errors import NotFound
from certificate_store.models.certificates import Notification
from certificate_store.models.outbox import Delivery, HolderContact, WebhookEndpoint
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

    # -- holders' contacts
    def set_contact(self, holder_hash: str, email: str, now: dt.datetime) -> None:
        row = self._s.get(HolderContact, holder_hash)
        if row is None:
            self._s.add(HolderContact(holder_hash=holder_hash, email=email, updated_at=now))
        else:
            row.email, row.updated_at = email, now
        self._s.flush()

    def contact(self, holder_hash: str) -> str | None:
        row = self._s.get(HolderContact, holder_hash)
        return None if row is None or not row.email else row.email

    def set_phone(self, holder_hash: str, phone: str, now: dt.datetime) -> None:
        row = self._s.get(HolderContact, holder_hash)
        if row is None:
            self._s.add(HolderContact(holder_hash=holder_hash, email="", phone=phone,
                                      updated_at=now))
        else:
            row.phone, row.updated_at = phone, now
        self._s.flush()

    def phone(self, holder_hash: str) -> str | None:
        row = self._s.get(HolderContact, holder_hash)
        return None if row is None or not row.phone else row.phone

    def inbox(self, holder_hash: str, limit: int = 100) -> list[tuple[int, str, str, dt.datetime]]:
        """(id, kind, payload, created_at) of the holder's events, newest first."""
        q = (select(Notification.id, Notification.kind, Notification.payload,
                    Notification.created_at)
             .where(Notification.recipient == f"holder:{holder_hash}")
             .order_by(Notification.id.desc()).limit(limit))
        return [(int(i), str(k), str(p), c) for i, k, p, c in self._s.execute(q)]

    # -- routing: events become deliveries
    def unrouted(self, now: dt.datetime, limit: int = 200) -> list[tuple[int, str]]:
        """(notification id, recipient) of due events not yet handed on: every holder's, and
        those of departments with an endpoint (a department without one keeps its events
        until it registers)."""
        with_endpoint = select(literal("dept:") + WebhookEndpoint.dept_code).where(
            WebhookEndpoint.active.is_(True))
        q = (select(Notification.id, Notification.recipient)
             .where(Notification.sent_at.is_(None), Notification.due_at <= now,
                    Notification.recipient.in_(with_endpoint)
                    | Notification.recipient.startswith("holder:"))
             .order_by(Notification.id).limit(limit))
        return [(int(i), str(r)) for i, r in self._s.execute(q)]

    def route(self, notification_id: int, channels: list[tuple[str, str]],
              now: dt.datetime) -> None:
        """Hand the event to its channels [(channel, target)]: marks it sent. The holder's
        inbox is delivered by being written (the holder page reads it)."""
        n = self._s.get(Notification, notification_id, with_for_update=True)
        if n is None or n.sent_at is not None:
            return
        n.sent_at = now
        for channel, target in channels:
            done = channel == "inbox"
            self._s.add(Delivery(notification_id=notification_id, channel=channel, target=target,
                                 state="delivered" if done else "pending",
                                 attempts=1 if done else 0, next_attempt_at=now,
                                 last_result="in the holder's inbox" if done else None,
                                 delivered_at=now if done else None, created_at=now))
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
