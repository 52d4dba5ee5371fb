"""Human, translated explanations of every known failure (never a traceback)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.store.errors import StoreError, StoreErrorKind


def _tr(text: str) -> str:
    return QCoreApplication.translate("Errors", text)


@dataclass(frozen=True)
class ErrorText:
    title: str
    message: str
    can_retry: bool = True


def describe_error(error: BaseException) -> ErrorText:
    if isinstance(error, StoreError):
        return _describe_store_error(error.kind)
    if not isinstance(error, OllamaError):
        return ErrorText(
            _tr("Something went wrong"),
            _tr(
                "Confide ran into an unexpected problem. Your conversation is safe. "
                "Details were written to the log file."
            ),
        )
    kind = error.kind
    model = error.model or ""
    if kind is OllamaErrorKind.NOT_RUNNING:
        return ErrorText(
            _tr("Ollama is not running"),
            _tr("Confide cannot reach Ollama on this computer. Start Ollama, then try again."),
        )
    if kind is OllamaErrorKind.UNRESPONSIVE:
        return ErrorText(
            _tr("Ollama is not answering"),
            _tr(
                "Something is listening at Ollama's address but does not answer. "
                "Restarting Ollama usually helps."
            ),
        )
    if kind is OllamaErrorKind.NOT_OLLAMA:
        return ErrorText(
            _tr("This is not Ollama"),
            _tr(
                "Another program answers at Ollama's address. Close it or "
                "point OLLAMA_HOST at Ollama."
            ),
            can_retry=False,
        )
    if kind is OllamaErrorKind.TIMEOUT:
        return ErrorText(
            _tr("Ollama stopped answering"),
            _tr(
                "The model took too long without sending anything. It may still be "
                "loading a very large model; try again in a moment."
            ),
        )
    if kind is OllamaErrorKind.CONNECTION_LOST:
        return ErrorText(
            _tr("The connection to Ollama was lost"),
            _tr(
                "Ollama stopped while answering. What the model had already written "
                "is kept. Try again once Ollama is back."
            ),
        )
    if kind is OllamaErrorKind.MODEL_NOT_FOUND:
        return ErrorText(
            _tr("Model not installed"),
            _tr(
                "The model “%1” is not installed on this computer. Download it "
                "from the model library, or choose another model."
            ).replace("%1", model),
            can_retry=False,
        )
    if kind is OllamaErrorKind.INVALID_MODEL_NAME:
        return ErrorText(
            _tr("Invalid model name"),
            _tr("“%1” is not a valid model name.").replace("%1", model),
            can_retry=False,
        )
    if kind is OllamaErrorKind.CAPABILITY_MISSING:
        capability = {
            "thinking": _tr("show its reasoning"),
            "tools": _tr("use tools"),
            "vision": _tr("look at images"),
            "chat": _tr("chat (it is made for document search)"),
            "embedding": _tr("index documents"),
        }.get(error.capability or "", _tr("do this"))
        return ErrorText(
            _tr("This model cannot do that"),
            _tr("The model “%1” cannot %2. Choose another model.")
            .replace("%1", model)
            .replace("%2", capability),
            can_retry=False,
        )
    if kind is OllamaErrorKind.RUNNER_DIED:
        return ErrorText(
            _tr("The model stopped unexpectedly"),
            _tr(
                "The model crashed, most often because this computer does not have "
                "enough free memory for it. Close other programs or choose a "
                "smaller model."
            ),
        )
    if kind is OllamaErrorKind.BUSY:
        return ErrorText(
            _tr("Ollama is busy"),
            _tr("Ollama has too many requests waiting. Try again in a moment."),
        )
    if kind is OllamaErrorKind.MID_STREAM:
        return ErrorText(
            _tr("The model ran into an error"),
            _tr(
                "The answer was interrupted by an error in the model. What it had "
                "already written is kept."
            ),
        )
    if kind is OllamaErrorKind.INCOMPLETE_STREAM:
        return ErrorText(
            _tr("The answer may be incomplete"),
            _tr("The model stopped without saying it had finished. The text so far is kept."),
        )
    if kind is OllamaErrorKind.PULL_NO_INTERNET:
        return ErrorText(
            _tr("No internet connection"),
            _tr("Downloading needs the internet once; chatting works offline."),
        )
    if kind is OllamaErrorKind.PULL_UNKNOWN_MODEL:
        return ErrorText(
            _tr("Unknown model"),
            _tr("No model called “%1” exists in the library. Check the name.").replace("%1", model),
            can_retry=False,
        )
    if kind is OllamaErrorKind.INVALID_HOST:
        return ErrorText(
            _tr("OLLAMA_HOST is not valid"),
            _tr("The OLLAMA_HOST setting on this computer cannot be understood."),
            can_retry=False,
        )
    if kind is OllamaErrorKind.REMOTE_HOST_BLOCKED:
        return ErrorText(
            _tr("Another computer"),
            _tr("Confide only talks to Ollama on this computer unless you allow otherwise."),
            can_retry=False,
        )
    return ErrorText(
        _tr("Ollama reported a problem"),
        _tr("Ollama could not complete the request. Details were written to the log file."),
    )


def _describe_store_error(kind: StoreErrorKind) -> ErrorText:
    """What happened to the user's saved data, and what to do; the folder or backup involved
    is added by the screen that shows it, which knows them."""
    if kind is StoreErrorKind.DISK_FULL:
        return ErrorText(
            _tr("The disk is full"),
            _tr(
                "Confide could not save because there is no free space left on the disk. "
                "Nothing already saved was lost. Free some space (for example, empty the "
                "recycle bin), then try again."
            ),
        )
    if kind is StoreErrorKind.LOCKED:
        return ErrorText(
            _tr("Confide is already open"),
            _tr(
                "Your conversations are in use: Confide is probably already open (perhaps in "
                "another window or another user session), or an answer is still being "
                "written. Close the other Confide or wait for the answer, then try again."
            ),
        )
    if kind is StoreErrorKind.WRONG_KEY:
        return ErrorText(
            _tr("That passphrase is not right"),
            _tr(
                "The passphrase or key does not open your conversations. Check the "
                "passphrase (capital letters count) and try again."
            ),
        )
    if kind is StoreErrorKind.CORRUPT:
        return ErrorText(
            _tr("Your conversations file is damaged"),
            _tr(
                "The file holding your conversations is damaged and cannot be read as it is. "
                "It has not been changed or deleted. A backup can replace it, if there is one."
            ),
            can_retry=False,
        )
    if kind is StoreErrorKind.READ_ONLY:
        return ErrorText(
            _tr("Confide cannot write to its folder"),
            _tr(
                "Confide is not allowed to change the folder or file where your conversations "
                "are kept. Check that the drive is not write-protected and that you may "
                "change the folder, then try again."
            ),
        )
    if kind is StoreErrorKind.KEY_MISSING:
        return ErrorText(
            _tr("The key to your conversations is missing"),
            _tr(
                "Your conversations are encrypted, and the key that opens them is no longer on "
                "this computer: it may have been removed from the secure keychain, or its file "
                "deleted. Without it, the conversations cannot be opened. If you have a copy "
                "of your user profile or keychain, restoring it brings the key back."
            ),
            can_retry=False,
        )
    if kind is StoreErrorKind.KEYRING_UNAVAILABLE:
        return ErrorText(
            _tr("The secure keychain cannot be reached"),
            _tr(
                "Confide keeps the key to your conversations in this computer's secure "
                "keychain, which is not answering right now. Make sure you are signed in and "
                "the keychain is unlocked, then try again."
            ),
        )
    if kind is StoreErrorKind.DATABASE_MISSING:
        return ErrorText(
            _tr("Your conversations file is missing"),
            _tr(
                "Confide was set up on this computer before, but the file holding your "
                "conversations is gone. If it was moved, or lives on a drive that is not "
                "connected, put it back and try again."
            ),
        )
    if kind is StoreErrorKind.NOT_SET_UP:
        return ErrorText(
            _tr("Your conversations are not open"),
            _tr("Confide has not opened your conversations yet, or has closed them."),
            can_retry=False,
        )
    if kind is StoreErrorKind.ALREADY_SET_UP:
        return ErrorText(
            _tr("Confide is already set up"),
            _tr(
                "Confide was set up on this computer meanwhile. Nothing was changed; start "
                "again to open your conversations."
            ),
        )
    if kind is StoreErrorKind.TOO_NEW:
        return ErrorText(
            _tr("Saved by a newer Confide"),
            _tr(
                "Your conversations were saved by a newer version of Confide, which this "
                "version cannot read. Nothing was changed. Install the newer version again to "
                "open them."
            ),
            can_retry=False,
        )
    if kind is StoreErrorKind.NOT_FOUND:
        return ErrorText(
            _tr("It is no longer there"),
            _tr("What you chose was deleted in the meantime."),
            can_retry=False,
        )
    if kind is StoreErrorKind.INVALID_ARCHIVE:
        return ErrorText(
            _tr("This is not a Confide archive"),
            _tr(
                "The file is not an archive exported by Confide, or it is damaged. "
                "Nothing was imported."
            ),
            can_retry=False,
        )
    return ErrorText(
        _tr("Confide could not read or write its files"),
        _tr(
            "The computer reported a problem reading or writing Confide's files. Check that "
            "the drive is connected and working, then try again. Nothing already saved was lost."
        ),
    )
