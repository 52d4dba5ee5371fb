"""The model library: picker, downloads, installed models, import and add by name.

The main window builds one :class:`ModelLibrary` (it owns the download queue, so downloads
outlive any dialog) and puts a :class:`DownloadsPanel` on ``library.downloads`` in a dock.
"""

from __future__ import annotations

from confide.ui.models.controller import ModelLibrary
from confide.ui.models.downloads import DownloadManager, DownloadsPanel

__all__ = ["DownloadManager", "DownloadsPanel", "ModelLibrary"]
