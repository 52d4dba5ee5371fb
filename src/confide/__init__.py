"""Confide: private desktop chat with open-weight language models, on your own computer."""

__version__ = "0.1.0"
APP_NAME = "Confide"
