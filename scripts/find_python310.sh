#!/usr/bin/env bash
# Prints a Python 3.10 interpreter for the bot environment (Rasa 3.6 needs Python < 3.11).
# Order: $BOT_PYTHON, what uv can find or download, pyenv's versions, python3.10 on PATH.
set -u
uv=${UV:-.tools/bin/uv}
if [ -n "${BOT_PYTHON:-}" ] && [ -x "$BOT_PYTHON" ]; then echo "$BOT_PYTHON"; exit 0; fi
if found=$("$uv" python find 3.10 2>/dev/null) && [ -n "$found" ]; then echo "$found"; exit 0; fi
if "$uv" python install 3.10 >/dev/null 2>&1 && found=$("$uv" python find 3.10 2>/dev/null); then
  echo "$found"; exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  for candidate in $(ls -d "$(pyenv root)"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    [ -x "$candidate" ] && { echo "$candidate"; exit 0; }
  done
fi
if command -v python3.10 >/dev/null 2>&1; then command -v python3.10; exit 0; fi
cat >&2 <<'MSG'
No Python 3.10 found for the bot environment (Rasa 3.6 runs on Python 3.8-3.10 only).
uv could not download one, and none was found under pyenv or on PATH.
Install one (e.g. `pyenv install 3.10`, or your system's python3.10 package),
or point BOT_PYTHON at its interpreter: make install BOT_PYTHON=/path/to/python3.10
MSG
exit 1
