"""A message the office settled by hand: a labelled example the training job can read.

`is_report` with the `category` and `unit` it was registered under, or a non-report
(`is_report` False, no category). `source` and `source_id` name where the label came from
(e.g. `suspect` and the 疑似上报's id); each source row gives at most one example.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class LabelledExample(Base):
    __tablename__ = "labelled_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    is_report: Mapped[bool]
    category: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int]
    actor_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("source", "source_id"),)
