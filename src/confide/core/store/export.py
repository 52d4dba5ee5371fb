"""One conversation as Markdown, HTML (for the UI's Qt print-to-PDF), DOCX or JSON.

Markdown, HTML and DOCX show the branch the user is looking at; JSON keeps every branch and is
lossless (it is the archive's per-conversation record). Labels come from the UI, translated;
the English defaults are for tests and logs-free tooling. Files are written only to the path
the user chose, built in memory and renamed into place (see ``fsutil``).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
from markdown_it import MarkdownIt

from confide.core.store.clock import to_iso, to_millis
from confide.core.store.fsutil import write_atomically
from confide.core.store.models import Conversation, Message, MessageStatus, Role

ARCHIVE_RECORD_VERSION = 1


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ExportLabels:
    """Every word an export prints. The UI passes translated ones."""

    roles: dict[Role, str] = field(
        default_factory=lambda: {
            Role.USER: "You",
            Role.ASSISTANT: "Assistant",
            Role.SYSTEM: "System",
            Role.TOOL: "Tool",
        }
    )
    date: str = "Date"
    model: str = "Model"
    untitled: str = "Untitled conversation"
    attachments: str = "Attachments"
    thinking: str = "Reasoning"
    statuses: dict[MessageStatus, str] = field(
        default_factory=lambda: {
            MessageStatus.STOPPED: "stopped by the user",
            MessageStatus.INTERRUPTED: "interrupted",
            MessageStatus.ERROR: "failed",
            MessageStatus.STREAMING: "still being written",
        }
    )
    format_time: Callable[[datetime], str] = _local_time


def _title(conversation: Conversation, labels: ExportLabels) -> str:
    return conversation.title.strip() or labels.untitled


def _models(conversation: Conversation, messages: Sequence[Message]) -> str:
    names: list[str] = []
    for name in [m.model for m in messages if m.role is Role.ASSISTANT] + [conversation.model]:
        if name and name not in names:
            names.append(name)
    return ", ".join(names)


def _heading_line(
    conversation: Conversation, messages: Sequence[Message], labels: ExportLabels
) -> str:
    parts = [f"{labels.date}: {labels.format_time(conversation.created_at)}"]
    models = _models(conversation, messages)
    if models:
        parts.append(f"{labels.model}: {models}")
    return " · ".join(parts)


def _message_header(message: Message, labels: ExportLabels) -> str:
    header = labels.roles[message.role]
    if message.role is Role.ASSISTANT and message.model:
        header += f" ({message.model})"
    header += f" · {labels.format_time(message.created_at)}"
    note = labels.statuses.get(message.status)
    if note:
        header += f" · {note}"
    return header


def _attachment_line(message: Message, labels: ExportLabels) -> str | None:
    if not message.attachments:
        return None
    return f"{labels.attachments}: " + ", ".join(a.name for a in message.attachments)


# --- Markdown -----------------------------------------------------------------------------


def to_markdown(
    conversation: Conversation,
    messages: Sequence[Message],
    labels: ExportLabels | None = None,
    *,
    include_thinking: bool = False,
) -> str:
    labels = labels or ExportLabels()
    out = [
        f"# {_title(conversation, labels)}",
        "",
        f"*{_heading_line(conversation, messages, labels)}*",
        "",
    ]
    if conversation.system_prompt:
        out += [
            f"> **{labels.roles[Role.SYSTEM]}:** "
            + conversation.system_prompt.replace("\n", "\n> "),
            "",
        ]
    for message in messages:
        out += ["---", "", f"**{_message_header(message, labels)}**", ""]
        if include_thinking and message.thinking:
            out += [f"> *{labels.thinking}:* " + message.thinking.replace("\n", "\n> "), ""]
        out += [message.content, ""]
        line = _attachment_line(message, labels)
        if line:
            out += [f"*{line}*", ""]
    return "\n".join(out).rstrip() + "\n"


# --- HTML (for printing to PDF through Qt) ------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(
    conversation: Conversation,
    messages: Sequence[Message],
    labels: ExportLabels | None = None,
) -> str:
    """A self-contained, simple HTML page (the subset QTextDocument renders). Answers are
    rendered from Markdown with raw HTML disabled; the user's own text is shown as typed."""
    labels = labels or ExportLabels()
    title = html.escape(_title(conversation, labels))
    body = [
        f"<h1>{title}</h1>",
        f"<p><i>{html.escape(_heading_line(conversation, messages, labels))}</i></p>",
    ]
    for message in messages:
        body.append("<hr/>")
        body.append(f"<p><b>{html.escape(_message_header(message, labels))}</b></p>")
        if message.role is Role.ASSISTANT:
            body.append(_MARKDOWN.render(message.content))
        else:
            paragraphs = message.content.split("\n\n")
            body.extend(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs)
        line = _attachment_line(message, labels)
        if line:
            body.append(f"<p><i>{html.escape(line)}</i></p>")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"/>'
        f"<title>{title}</title></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


# --- DOCX ---------------------------------------------------------------------------------

# XML 1.0 forbids most control characters; a model can emit them, and lxml would refuse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def docx_bytes(
    conversation: Conversation,
    messages: Sequence[Message],
    labels: ExportLabels | None = None,
) -> bytes:
    labels = labels or ExportLabels()
    document = docx.Document()
    properties = document.core_properties
    # python-docx's template says "python-docx" and 2013; say what the file really is.
    properties.title = _xml_safe(_title(conversation, labels))
    properties.author = "Confide"
    properties.last_modified_by = "Confide"
    properties.comments = ""
    properties.created = conversation.created_at
    properties.modified = conversation.updated_at
    document.add_heading(_xml_safe(_title(conversation, labels)), level=0)
    document.add_paragraph(
        _xml_safe(_heading_line(conversation, messages, labels)), style="Subtitle"
    )
    for message in messages:
        header = document.add_paragraph()
        header.add_run(_xml_safe(_message_header(message, labels))).bold = True
        for block in _xml_safe(message.content).split("\n\n"):
            paragraph = document.add_paragraph()
            for index, line in enumerate(block.split("\n")):
                if index:
                    paragraph.add_run().add_break()  # a line break inside the paragraph
                paragraph.add_run(line)
        attached = _attachment_line(message, labels)
        if attached:
            document.add_paragraph().add_run(_xml_safe(attached)).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(
    conversation: Conversation,
    messages: Sequence[Message],
    path: Path,
    labels: ExportLabels | None = None,
) -> None:
    write_atomically(path, docx_bytes(conversation, messages, labels))


# --- JSON (lossless; also the archive's record) -------------------------------------------


def message_record(message: Message) -> dict[str, Any]:
    stats = message.stats
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role.value,
        "content": message.content,
        "thinking": message.thinking,
        "model": message.model,
        "status": message.status.value,
        "error": message.error,
        "created_at": to_iso(to_millis(message.created_at)),
        "finished_at": to_iso(to_millis(message.finished_at)) if message.finished_at else None,
        "stats": {
            "eval_count": stats.eval_count,
            "eval_duration_ns": stats.eval_duration_ns,
            "prompt_eval_count": stats.prompt_eval_count,
            "prompt_eval_duration_ns": stats.prompt_eval_duration_ns,
            "load_duration_ns": stats.load_duration_ns,
            "total_duration_ns": stats.total_duration_ns,
        },
        "attachments": [
            {
                "id": a.id,
                "name": a.name,
                "mime_type": a.mime_type,
                "size": a.size,
                "sha256": a.sha256,
                "created_at": to_iso(to_millis(a.created_at)),
            }
            for a in message.attachments
        ],
    }


def conversation_record(conversation: Conversation, messages: Sequence[Message]) -> dict[str, Any]:
    return {
        "record_version": ARCHIVE_RECORD_VERSION,
        "id": conversation.id,
        "title": conversation.title,
        "model": conversation.model,
        "system_prompt": conversation.system_prompt,
        "options": conversation.options,
        "preset_key": conversation.preset_key,
        "pinned": conversation.pinned,
        "active_leaf_id": conversation.active_leaf_id,
        "created_at": to_iso(to_millis(conversation.created_at)),
        "updated_at": to_iso(to_millis(conversation.updated_at)),
        "messages": [message_record(m) for m in messages],
    }


def to_json(
    conversation: Conversation,
    messages: Sequence[Message],
    attachment_data: Callable[[str], bytes] | None = None,
) -> str:
    """Every branch; with ``attachment_data``, attachments are embedded (base64)."""
    record = conversation_record(conversation, messages)
    if attachment_data is not None:
        for message in record["messages"]:
            for attachment in message["attachments"]:
                attachment["data_base64"] = base64.b64encode(
                    attachment_data(attachment["id"])
                ).decode("ascii")
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"
