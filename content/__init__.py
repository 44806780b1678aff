"""Back Coach content: the program (program.toml) and its texts (locales/<lang>/*.toml).

This is a data package; bot.content loads and validates it.
"""

from pathlib import Path

CONTENT_DIR = Path(__file__).parent
