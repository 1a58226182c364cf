"""What a citizen filed through the portal or the Open311 API, and how they follow it.

One row per tracked instance filed from outside (portal, Open311): the contact the citizen
gave, where, the photo, the secret that lets only them follow it, and the token of the
satisfaction check sent to them. The request's content also goes into the workflow's start
data (staff see it in their forms); this row holds what staff forms do not show and what
the citizen side needs without loading a workflow.
"""
from datetime import datetime

from sqlalchemy import (Boolean, false, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .base import Base, utcnow
from .shredding import sealed_column
from .workflow import Instance


class CitizenRequest(Base):
    __tablename__ = "citizen_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"),
                                             unique=True)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    service_code: Mapped[str] = mapped_column(String(60), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # portal | open311
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    # The citizen's contact and place are personal data: each column holds it sealed with the
    # case's key (models.shredding; migration 0028 widened them), the properties below read and
    # write it in plain text.
    sealed_address: Mapped[str | None] = mapped_column("address", Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    sealed_contact_name: Mapped[str | None] = mapped_column("contact_name", Text)
    sealed_contact_phone: Mapped[str | None] = mapped_column("contact_phone", Text)
    sealed_contact_email: Mapped[str | None] = mapped_column("contact_email", Text)
    # sha256 of the follow-up key shown once at filing (phone-less citizens follow with it)
    follow_key_sha256: Mapped[str] = mapped_column(String(64))
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_type: Mapped[str | None] = mapped_column(String(40))
    media_url: Mapped[str | None] = mapped_column(String(500))  # Open311 clients send a URL
    # The unguessable name of the photo's public address (/p/media/<token>.jpg, Open311 media_url);
    # set when the request has a photo (migration 0015).
    media_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # Open311 "tokens/{token}": the client's handle on the request before it has an id
    api_token: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    satisfaction_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    satisfaction_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    # The citizen agreed, after the portal's warning, that the description of a public service is
    # shown publicly (Open311 listings); without it the description is withheld (migration 0029).
    description_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    instance: Mapped[Instance] = relationship(lazy="joined")

    __sealed__ = {"address": "sealed_address", "contact_name": "sealed_contact_name",
                  "contact_phone": "sealed_contact_phone", "contact_email": "sealed_contact_email"}
    address = sealed_column("sealed_address")
    contact_name = sealed_column("sealed_contact_name")
    contact_phone = sealed_column("sealed_contact_phone")
    contact_email = sealed_column("sealed_contact_email")
