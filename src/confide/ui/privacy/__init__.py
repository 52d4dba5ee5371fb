"""Unlocking, protecting and erasing the encrypted store: the dialogs around it."""
