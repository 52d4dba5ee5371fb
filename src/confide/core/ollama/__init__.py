"""Everything about the Ollama daemon: where it is, whether it runs, and how to talk to it."""
