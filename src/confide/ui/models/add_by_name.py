"""'Add by name' (advanced): download any model the daemon can pull, checked before sending.

Accepts a library name (``llama3.2:3b``), a model someone shared (``user/model:tag``) or a
Hugging Face GGUF repository (``hf.co/user/repo:Q4_K_M``). A link pasted from ollama.com or
huggingface.co is turned into the name it stands for. The name is checked against the
daemon's grammar as it is typed, and the reason for a refusal is shown right under it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from confide.core.ollama.names import InvalidModelName, parse_model_name, same_model
from confide.ui.models.controller import ModelLibrary


def _tr(text: str) -> str:
    return QCoreApplication.translate("ModelNames", text)


def _part(what: str) -> str:
    labels = {
        "server name": _tr("server name"),
        "namespace": _tr("namespace"),
        "model name": _tr("model name"),
        "tag (the part after ':')": _tr("tag (the part after ':')"),
    }
    return labels.get(what, what)


def _hint(text: str) -> str:
    hints = {
        "use letters, digits, '_', '.', ':' and '-', starting with a letter or digit.": _tr(
            "use letters, digits, '_', '.', ':' and '-', starting with a letter or digit."
        ),
        "use letters, digits, '_' and '-', starting with a letter or digit.": _tr(
            "use letters, digits, '_' and '-', starting with a letter or digit."
        ),
        "use letters, digits, '_', '.' and '-', starting with a letter or digit.": _tr(
            "use letters, digits, '_', '.' and '-', starting with a letter or digit."
        ),
    }
    return hints.get(text, text)


_DYNAMIC: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"The (.+) is empty\."), "empty"),
    (re.compile(r"The (.+) is (\d+) characters long; at most (\d+) are allowed\."), "long"),
    (re.compile(r"The namespace (.+) contains a dot, which is not allowed\..*"), "dot"),
    (re.compile(r"The address starts with (.+); only https:// or http:// can be used\."), "scheme"),
    (
        re.compile(r"A name starting with (.+):// must be written as server/namespace/model\."),
        "form",
    ),
    (
        re.compile(
            r"The (server name|namespace|model name|tag \(the part after ':'\)) (.+) "
            r"is not allowed: (.+)"
        ),
        "chars",
    ),
)


def explain_invalid_name(reason: str) -> str:
    """The core's English reason, translated: the fixed ones whole, the rest by template."""
    fixed = {
        "The model name is empty.": _tr("The model name is empty."),
        "The model name contains a space; model names have no spaces.": _tr(
            "The model name contains a space; model names have no spaces."
        ),
        "The model name has an empty part: check for a slash at the start or end, or two "
        "slashes in a row.": _tr(
            "The model name has an empty part: check for a slash at the start or end, or "
            "two slashes in a row."
        ),
        "The model name has too many parts; the most it can have is server/namespace/model.": _tr(
            "The model name has too many parts; the most it can have is server/namespace/model."
        ),
    }
    if reason in fixed:
        return fixed[reason]
    for pattern, kind in _DYNAMIC:
        match = pattern.fullmatch(reason)
        if match is None:
            continue
        groups = match.groups()
        if kind == "empty":
            return _tr("The %1 is empty.").replace("%1", _part(groups[0]))
        if kind == "long":
            return (
                _tr("The %1 is %2 characters long; at most %3 are allowed.")
                .replace("%1", _part(groups[0]))
                .replace("%2", groups[1])
                .replace("%3", groups[2])
            )
        if kind == "dot":
            return _tr(
                "The namespace %1 contains a dot, which is not allowed. If it is a server "
                "name, write server/namespace/model."
            ).replace("%1", groups[0])
        if kind == "scheme":
            return _tr("The address starts with %1; only https:// or http:// can be used.").replace(
                "%1", groups[0]
            )
        if kind == "form":
            return _tr(
                "A name starting with %1:// must be written as server/namespace/model."
            ).replace("%1", groups[0])
        return (
            _tr("The %1 %2 is not allowed: %3")
            .replace("%1", _part(groups[0]))
            .replace("%2", groups[1])
            .replace("%3", _hint(groups[2]))
        )
    return reason


_OLLAMA_LINK = re.compile(r"https?://(?:www\.)?ollama\.com/(?:library/)?([^?#\s]+)", re.IGNORECASE)
_HF_LINK = re.compile(
    r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/([^/\s]+)/([^/?#\s:]+)(?::([^/?#\s]+))?",
    re.IGNORECASE,
)


def name_from_link(text: str) -> str:
    """A link copied from a model's web page, as the name to pull; other text unchanged."""
    stripped = text.strip()
    hugging_face = _HF_LINK.match(stripped)
    if hugging_face:
        user, repo, quant = hugging_face.groups()
        return f"hf.co/{user}/{repo}" + (f":{quant}" if quant else "")
    ollama = _OLLAMA_LINK.match(stripped)
    if ollama:
        return ollama.group(1).rstrip("/")
    return stripped


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be downloaded, in the user's language; None when it can."""
    try:
        parse_model_name(name_from_link(text))
    except InvalidModelName as exc:
        return explain_invalid_name(exc.reason)
    return None


class AddByNameDialog(QDialog):
    submitted = Signal(str)

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryAddByName")
        self.setWindowTitle(self.tr("Add a model by name"))
        self.library = library
        intro = QLabel(
            self.tr(
                "For models that are not in the library. Type a name from ollama.com "
                "(for example <b>llama3.2:3b</b>), a model someone shared there "
                "(<b>user/model:tag</b>), or a GGUF repository on Hugging Face "
                "(<b>hf.co/user/repository:Q4_K_M</b>). A link copied from either site works too."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.label = QLabel(self.tr("Model &name:"), self)
        self.name = QLineEdit(self)
        self.name.setObjectName("libraryNameField")
        self.name.setPlaceholderText("hf.co/user/repository:Q4_K_M")
        self.name.setAccessibleName(self.tr("Model name"))
        self.label.setBuddy(self.name)
        self.problem = QLabel(self)
        self.problem.setObjectName("libraryError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.note = QLabel(self)
        self.note.setObjectName("libraryHint")
        self.note.setWordWrap(True)
        self.note.hide()
        self.download_button = QPushButton(self.tr("Download"), self)
        self.download_button.setObjectName("primaryButton")
        self.download_button.setDefault(True)
        self.download_button.setEnabled(False)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.label)
        layout.addWidget(self.name)
        layout.addWidget(self.problem)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self.resize(520, self.heightForWidth(520))

        self.name.textChanged.connect(self._check)
        self.name.returnPressed.connect(self._submit)
        self.download_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)

    def chosen_name(self) -> str:
        return name_from_link(self.name.text())

    def _check(self) -> None:
        text = self.name.text()
        problem = name_problem(text) if text.strip() else None
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        self.download_button.setEnabled(bool(text.strip()) and problem is None)
        self.note.setText(self._note(text) if problem is None and text.strip() else "")
        self.note.setVisible(bool(self.note.text()))
        self.fit_height()

    def _note(self, text: str) -> str:
        name = name_from_link(text)
        notes: list[str] = []
        if name != text.strip():
            notes.append(self.tr("Will download “%1”.").replace("%1", name))
        snapshot = self.library.snapshot
        if snapshot is not None:
            variant = snapshot.catalog.find_variant(name)
            if variant is not None:
                family = snapshot.catalog.family_of(variant)
                notes.append(
                    self.tr("This is %1 from the library; its card tells more about it.").replace(
                        "%1", family.name
                    )
                )
            if any(same_model(model.name, name) for e in snapshot.entries for model in e.installed):
                notes.append(
                    self.tr("This model is already installed; downloading checks for updates.")
                )
        return " ".join(notes)

    def _submit(self) -> None:
        text = self.name.text()
        problem = name_problem(text) if text.strip() else _tr("The model name is empty.")
        if problem is not None:
            self.problem.setText(problem)
            self.problem.show()
            return
        name = self.chosen_name()
        expected = 0
        title = name
        snapshot = self.library.snapshot
        if snapshot is not None:
            variant = snapshot.catalog.find_variant(name)
            if variant is not None:
                expected = variant.download_size_bytes
                title = f"{snapshot.catalog.family_of(variant).name} · {variant.label}"
        self.library.downloads.enqueue(name, title, expected)
        self.submitted.emit(name)
        self.accept()

    def fit_height(self) -> None:
        """Grows the window to fit wrapped text that just appeared (problems, file facts);
        a window's layout does not do that by itself for word-wrapped labels."""
        wanted = self.heightForWidth(self.width())
        if wanted > self.height():
            self.resize(self.width(), wanted)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_height()
