"""The HTML really works in QTextDocument: Copy links are found, nothing is ever loaded.

The renderer itself never imports Qt; this test is where its output meets Qt.
"""

from __future__ import annotations

import subprocess
import sys
from typing import cast

from PySide6.QtCore import QPointF, QUrl
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication

from confide.core.markdown import IncrementalMarkdown, code_index_from_href, render_markdown

ANSWER = """# Notice

Read [the guidance](https://example.com/guide) or write to <office@example.com>.

Do not click [this](javascript:alert(1)). ![scan](https://tracker.example/pixel.png)
<img src="https://tracker.example/raw.png"> <script>alert(1)</script>

```python
print("first")
```

| Party | Days |
|:--|--:|
| Tenant | 30 |

```
second
```
"""


class RecordingDocument(QTextDocument):
    """Fails the test if Qt is ever asked to fetch an image or style sheet."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        self.requests.append(name.toString() if isinstance(name, QUrl) else name)
        return None


def load(html: str) -> RecordingDocument:
    document = RecordingDocument()
    document.setHtml(html)
    document.setTextWidth(640)
    document.size()  # lays the whole document out, so that every block has its lines
    return document


def anchor_at(document: QTextDocument, position: int) -> str:
    """What ``anchorAt`` reports for a click in the middle of the character at ``position``."""
    block = document.findBlock(position)
    line = block.layout().lineForTextPosition(position - block.position())
    assert line.isValid()
    x = cast("tuple[float, int]", line.cursorToX(position - block.position()))[0]
    rect = document.documentLayout().blockBoundingRect(block)
    point = QPointF(rect.x() + x + 2, rect.y() + line.y() + line.height() / 2)
    return str(document.documentLayout().anchorAt(point))


def test_copy_links_and_web_links_are_clickable(qapp: QApplication) -> None:
    result = render_markdown(ANSWER, copy_label="Copy")
    document = load(result.html)
    text = document.toPlainText()
    copies = []
    start = text.find("Copy")
    while start >= 0:
        copies.append(code_index_from_href(anchor_at(document, start + 1)))
        start = text.find("Copy", start + 1)
    assert copies == [0, 1]
    assert [block.code for block in result.code_blocks] == ['print("first")', "second"]
    assert anchor_at(document, text.index("the guidance") + 2) == "https://example.com/guide"
    assert anchor_at(document, text.index("office@") + 2) == "mailto:office@example.com"
    assert anchor_at(document, text.index("this") + 1) == ""


def test_nothing_is_fetched_and_raw_html_reads_as_text(qapp: QApplication) -> None:
    document = load(render_markdown(ANSWER).html)
    assert document.requests == []
    text = document.toPlainText()
    assert '<img src="https://tracker.example/raw.png">' in text
    assert "<script>alert(1)</script>" in text
    assert "[image: scan] (https://tracker.example/pixel.png)" in text
    cursor = QTextCursor(document)
    cursor.setPosition(text.index("[image"))
    assert not cursor.charFormat().isImageFormat()


def test_streaming_previews_load_cleanly(qapp: QApplication) -> None:
    stream = IncrementalMarkdown(min_step=1, preview_budget=0.0, initial_credit=0.0)
    for start in range(0, len(ANSWER), 5):
        document = load(stream.feed(ANSWER[start : start + 5]).html)
        assert document.requests == []
    assert (
        load(stream.finish().html).toPlainText() == load(render_markdown(ANSWER).html).toPlainText()
    )


def test_the_core_package_does_not_import_qt() -> None:
    code = "import sys, confide.core.markdown; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
