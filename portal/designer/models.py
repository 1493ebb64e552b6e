"""Designed forms: a form type an administrator defines without code, its immutable published
versions (the whole definition as JSON) and the records submitted under a version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.core.clock import now
from portal.core.types import UTCDateTime
from portal.extensions import db
from portal.workflow.models import Instance, RecordMixin


class FormType(db.Model):
    """A designed form type; `draft` is the designer's working copy, never what records use."""

    __tablename__ = "form_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    draft: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[FormVersion]] = relationship(
        back_populates="form_type", order_by="FormVersion.number"
    )

    @property
    def current(self) -> FormVersion | None:
        return self.versions[-1] if self.versions else None


class FormVersion(db.Model):
    """One published definition. Never updated: a change is published as the next version."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_type_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_type_id: Mapped[int] = mapped_column(ForeignKey("form_types.id"), index=True)
    number: Mapped[int]
    definition: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    form_type: Mapped[FormType] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()

    @property
    def flow_key(self) -> str:
        return flow_key(self.form_type.key, self.number)


def flow_key(type_key: str, number: int) -> str:
    """The workflow form type of a version's records: one flow per version, since each version
    may have other steps."""
    return f"form.{type_key}.v{number}"


class DesignedRecord(RecordMixin, db.Model):
    """A record of a designed form: the version it was submitted under and its values."""

    __tablename__ = "designed_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), index=True)
    form_type_id: Mapped[int] = mapped_column(ForeignKey("form_types.id"), index=True)
    values: Mapped[dict] = mapped_column(JSON, default=dict)

    instance: Mapped[Instance | None] = relationship()
    version: Mapped[FormVersion] = relationship()
    form_type: Mapped[FormType] = relationship()
