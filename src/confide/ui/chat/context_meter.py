"""A small gauge of how full the model's context is: a bar, "3.2k of 8.2k tokens", a word.

The state is always spelled out ("Almost full"), the bar's colour only repeats it. Numbers
follow the user's locale (3,2k in Polish and Bulgarian); the accessible description and the
tooltip give the exact figures.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from confide.core.chat.context_budget import BudgetLevel, ContextBudget

BAR_STEPS = 1000
# The same warm hues the style sheet uses for warnings and errors; each always comes with
# a word, so they are never the only signal.
FILLING_COLOR = QColor(212, 154, 31)
FULL_COLOR = QColor(201, 64, 64)


class ContextMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contextMeter")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("contextMeterBar")
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(64, 6)
        self.bar.setAccessibleName(self.tr("Context used"))
        self.label = QLabel(self)
        self.label.setObjectName("contextMeterText")
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self.setAccessibleName(self.tr("Context used"))
        self._budget = ContextBudget(0, 0)
        self.set_budget(0, 0)

    @property
    def budget(self) -> ContextBudget:
        return self._budget

    def text(self) -> str:
        return self.label.text()

    def set_budget(self, used: int, limit: int) -> None:
        """``used`` tokens of a context of ``limit`` (``limit`` ≤ 0: not known)."""
        budget = ContextBudget(max(0, used), limit)
        self._budget = budget
        level = budget.level
        locale = QLocale()
        if budget.known:
            text = (
                self.tr("%1 of %2 tokens")
                .replace("%1", compact_count(budget.used_tokens, locale))
                .replace("%2", compact_count(budget.limit_tokens, locale))
            )
            exact = (
                self.tr("%1 of %2 tokens used (%3%).")
                .replace("%1", locale.toString(budget.used_tokens))
                .replace("%2", locale.toString(budget.limit_tokens))
                .replace("%3", locale.toString(round(budget.fraction * 100)))
            )
        else:
            text = self.tr("%1 tokens").replace("%1", compact_count(budget.used_tokens, locale))
            exact = self.tr("%1 tokens used.").replace("%1", locale.toString(budget.used_tokens))
        word = self._state_word(level)
        if word:
            text = self.tr("%1 · %2").replace("%1", text).replace("%2", word)
        description = f"{exact} {self._state_sentence(level)}"
        self.label.setText(text)
        self.bar.setValue(round(min(1.0, budget.fraction) * BAR_STEPS))
        self.bar.setAccessibleDescription(description)
        self.setAccessibleDescription(description)
        self.setToolTip(f"{self._explanation()}\n\n{description}")
        self.setProperty("level", level.value)
        self._paint_bar(level)

    def _paint_bar(self, level: BudgetLevel) -> None:
        palette = self.palette()
        if level is BudgetLevel.FILLING:
            palette.setColor(QPalette.ColorRole.Highlight, FILLING_COLOR)
        elif level in (BudgetLevel.ALMOST_FULL, BudgetLevel.FULL):
            palette.setColor(QPalette.ColorRole.Highlight, FULL_COLOR)
        self.bar.setPalette(palette)

    def _state_word(self, level: BudgetLevel) -> str:
        if level is BudgetLevel.FILLING:
            return self.tr("Filling up")
        if level is BudgetLevel.ALMOST_FULL:
            return self.tr("Almost full")
        if level is BudgetLevel.FULL:
            return self.tr("Full")
        return ""

    def _state_sentence(self, level: BudgetLevel) -> str:
        if level is BudgetLevel.UNKNOWN:
            return self.tr("The model's context size is not known yet.")
        if level is BudgetLevel.ROOMY:
            return self.tr("Plenty of room.")
        if level is BudgetLevel.FILLING:
            return self.tr("The conversation is filling the model's memory.")
        if level is BudgetLevel.ALMOST_FULL:
            return self.tr(
                "Almost full: soon the model starts forgetting the beginning of the conversation."
            )
        return self.tr(
            "Full: the model no longer sees the beginning of the conversation. Start a new "
            "chat to keep everything in view."
        )

    def _explanation(self) -> str:
        return self.tr(
            "How much of the model's working memory (its context) this conversation takes. "
            "When the context is full, Ollama silently drops the oldest part of the "
            "conversation and the model forgets it. Messages not yet answered are estimated."
        )


def compact_count(count: int, locale: QLocale) -> str:
    """1234 → "1.2k", 32768 → "33k", 2_500_000 → "2.5M", in ``locale``'s digits."""
    count = max(0, count)
    if count < 1000:
        return locale.toString(count)
    thousands = count / 1000
    if thousands < 999.5:
        return _thousands().replace("%1", _short(thousands, locale))
    return _millions().replace("%1", _short(count / 1_000_000, locale))


def _short(value: float, locale: QLocale) -> str:
    """One decimal below ten ("3.2", but "8" rather than "8.0"), whole numbers above."""
    if value >= 9.95:
        return locale.toString(round(value))
    text: str = locale.toString(value, "f", 1)
    return text.removesuffix(locale.decimalPoint() + locale.toString(0))


# Through Qt's translation, so that a language that abbreviates thousands differently can.
def _thousands() -> str:
    return QCoreApplication.translate("ContextMeter", "%1k")


def _millions() -> str:
    return QCoreApplication.translate("ContextMeter", "%1M")
