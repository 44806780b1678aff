"""Talking to the Bot API when it misbehaves: what a failed request means, and what to do next."""
