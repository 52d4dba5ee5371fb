"""Unlocking, protecting and erasing the encrypted store: the dialogs around it.

What the main window wires (see each module): ``YourDataDialog`` (Privacy menu),
``LockController`` + ``LockScreen`` in a ``LockableArea`` (idle lock), ``RetentionScheduler``
(started by ``confide.app``). ``open_flow.open_store_interactively`` runs before the window.
"""
