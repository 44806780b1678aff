"""Back Coach: a Telegram coach for back-strengthening exercises."""
