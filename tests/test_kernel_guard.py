"""A live page's kernel shows its visitor one sentence, in the page's language, never a traceback
(observatory.kernel_guard); the traceback goes to the server's log. Run in a real IPython shell, in a process
of its own (install() makes the kernel die with its parent and takes over logging)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys
from IPython.core.interactiveshell import InteractiveShell
from observatory import kernel_guard
shell = InteractiveShell.instance()
kernel_guard.install(shell)
if sys.argv[1] != "-":
    shell.user_ns["lang"] = sys.argv[1]  # the notebook's parameters cell has run
shell.run_cell("def private_helper():\\n    return 1 / 0\\nprivate_helper()")
"""


@pytest.mark.parametrize("lang, says, never", [
    ("fr", "Erreur côté serveur ; le détail est dans le journal de « observatory serve ».", "Server-side"),
    ("en", "Server-side error; details are in the server's log.", "Erreur"),
    ("-", "Erreur côté serveur", "Server-side"),  # before the parameters: the site's first language
])
def test_a_visitor_reads_one_sentence_in_the_page_language(lang, says, never):
    done = subprocess.run([sys.executable, "-c", SCRIPT, lang], capture_output=True, text=True, timeout=120)
    assert says in done.stdout and never not in done.stdout
    assert "private_helper" not in done.stdout and "ZeroDivisionError" not in done.stdout  # not the visitor's
    assert "ZeroDivisionError" in done.stderr and "private_helper" in done.stderr  # the server's log has it
