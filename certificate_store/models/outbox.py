"""Delivery of the outbox (`notifications`): where each event goes and what came of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from certificate_store.models.base import Base, UtcDateTime


class WebhookEndpoint(Base):
    """A department system that receives events (Standard Webhooks, HMAC-SHA256)."""

    __tablename__ = "webhook_endpoints"

    dept_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))  # whsec_<base64>, shared with the receiver
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Delivery(Base):
    """One event to one channel: attempts, next try, result; `dead` after the last attempt."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (UniqueConstraint("notification_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(String(10))  # webhook
    target: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(10), index=True)  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    last_result: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class HolderContact(Base):
    """Where a holder is told (Art. 16): the e-mail address and mobile number the identity
    service vouched for at their last sign-in (claims `email`/`email_verified`,
    `phone_number`/`phone_number_verified`), by keyed holder hash. "" when only the other."""

    __tablename__ = "holder_contacts"

    holder_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
