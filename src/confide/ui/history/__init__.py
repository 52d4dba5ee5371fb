"""Finding and taking out past conversations: search across all of them, export one."""

from confide.ui.history.exporter import ConversationExporter, ExportFormat
from confide.ui.history.search_dialog import SearchDialog

__all__ = ["ConversationExporter", "ExportFormat", "SearchDialog"]
