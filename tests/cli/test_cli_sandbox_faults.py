"""`recontui sandbox serve --faults`: a bad spec is one sentence, not a traceback."""

from __future__ import annotations

from test_cli_errors import run


def test_a_bad_fault_spec_is_refused_with_the_form(tmp_path):
    proc = run(tmp_path, "sandbox", "serve", "--faults", "teapot=0.5")
    assert proc.returncode == 2
    assert "not a fault kind" in proc.stderr and "429" in proc.stderr
