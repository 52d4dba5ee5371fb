"""Shared wording for the privacy screens: sizes, dates, keychain names, typed confirmations."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

_CONTEXT = "Privacy"


def tr(text: str, n: int = -1) -> str:
    """Translated text in the "Privacy" context; with ``n``, Qt's plural form (``%n``)."""
    translated = QCoreApplication.translate(_CONTEXT, text, None, n)
    if n >= 0 and "(s)" in translated:
        # The English source carries no translation file, so its "(s)" is resolved here;
        # translations use Qt's numerus forms and contain no "(s)".
        translated = translated.replace("(s)", "" if n == 1 else "s")
    return translated


def format_bytes(size: int) -> str:
    """'1.2 MB' / '1,2 MB': decimal units, in the user's locale."""
    return QLocale().formattedDataSize(max(size, 0), 1, QLocale.DataSizeFormat.DataSizeSIFormat)


def format_moment(moment: datetime) -> str:
    """A date and time in the user's locale and time zone."""
    stamp = QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000)).toLocalTime()
    return QLocale().toString(stamp, QLocale.FormatType.ShortFormat)


def keychain_name(backend: str | None) -> str:
    """The keychain the user would recognise (the keyring package names its backends after
    modules), or a generic phrase."""
    secret_service = tr("Secret Service (GNOME Keyring or KWallet)")
    names = {
        "keyring.backends.Windows.WinVaultKeyring": tr("Windows Credential Manager"),
        "keyring.backends.macOS.Keyring": tr("macOS Keychain"),
        "keyring.backends.SecretService.Keyring": secret_service,
        "keyring.backends.libsecret.Keyring": secret_service,
        "keyring.backends.kwallet.DBusKeyring": tr("KWallet"),
    }
    return names.get(backend or "", tr("this computer's secure keychain"))


def delete_word() -> str:
    """What the user types to confirm "Delete all my data"."""
    return tr("DELETE")


def start_over_word() -> str:
    """What the user types to confirm starting over with an empty history."""
    return tr("START OVER")


def typed_matches(typed: str, word: str) -> bool:
    # Upper or lower case makes no difference to intent; a slip of the Shift key should not
    # force the user to type it again.
    return typed.strip().casefold() == word.casefold()


def warning(text: str) -> str:
    """A warning sentence marked by a sign, so that it never relies on colour alone."""
    return "⚠ " + text
