"""Districts' boundaries: the GeoJSON polygon of each district, as an administrator uploaded it
(migration 0029). programmes.citizens.boundaries validates it and finds a point's district."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import District, User


class DistrictBoundary(Base):
    __tablename__ = "district_boundaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), unique=True)
    geojson: Mapped[str] = mapped_column(Text)  # a Polygon or MultiPolygon geometry, lon/lat (RFC 7946)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    district: Mapped[District] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship(lazy="select")
