"""Pure rules behind the chat composer: which images may be sent, and how much fits."""
