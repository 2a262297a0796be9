"""No SQL built by string formatting anywhere in ``src/eventwire``.

An ``ast`` scan of every module for calls to ``execute`` / ``executemany`` /
``exec_driver_sql`` / ``executescript`` / ``text`` (SQLAlchemy) whose first argument is an
f-string with placeholders, a ``%``-formatted string, a ``.format()`` call, or a
concatenation or join involving anything but string literals. Literal-only SQL passes; values go in as
bound parameters. The scanner is tested on a snippet of each bad shape so that it cannot
pass by seeing nothing.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = [pytest.mark.timeout(60)]

SRC = Path(__file__).resolve().parents[1] / "src" / "eventwire"
SQL_CALLS = {"execute", "executemany", "exec_driver_sql", "executescript", "text"}


def _literal_only(node: ast.AST) -> bool:
    """A string built from literals alone (``"a" "b"``, ``"a" + "b"``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_only(node.left) and _literal_only(node.right)
    return False


def formatted_sql(node: ast.AST) -> str | None:
    """Why ``node`` (the first argument of a SQL call) is built by formatting, else None."""
    if isinstance(node, ast.JoinedStr) and not _literal_only(node):
        return "f-string"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and (
            isinstance(node.left, (ast.Constant, ast.JoinedStr, ast.BinOp))):
        return "%-formatting"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and not _literal_only(node):
        return "concatenation with a non-literal"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format":
            return ".format()"
        if node.func.attr == "join" and not all(
                _literal_only(e) for a in node.args if isinstance(a, (ast.List, ast.Tuple))
                for e in a.elts):
            return "str.join of non-literals"
    return None


def offenders_in(source: str, filename: str = "<snippet>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = (node.func.attr if isinstance(node.func, ast.Attribute)
                else node.func.id if isinstance(node.func, ast.Name) else None)
        if name not in SQL_CALLS:
            continue
        why = formatted_sql(node.args[0])
        if why:
            found.append(f"{filename}:{node.lineno}: {name}() with {why}")
    return found


@pytest.mark.parametrize("snippet", [
    'conn.execute(text(f"SELECT * FROM t WHERE id = {x}"))',
    'conn.execute("SELECT * FROM t WHERE id = %s" % x)',
    'conn.exec_driver_sql("SELECT * FROM " + table)',
    'text("SELECT {} FROM t".format(col))',
    'cur.executemany(f"INSERT INTO {t} VALUES (?)", rows)',
    'conn.exec_driver_sql(" ".join(["SELECT", col]))',
])
def test_scanner_catches_each_bad_shape(snippet):
    assert offenders_in(snippet)


@pytest.mark.parametrize("snippet", [
    'conn.execute(text("SELECT * FROM t WHERE id = :id"), {"id": x})',
    'conn.exec_driver_sql("PRAGMA integrity_check")',
    'conn.execute(text("SELECT a " "FROM t"))',
    'conn.execute(text("SELECT a " + "FROM t"))',
    'conn.execute(text(f"SELECT 1"))',
    'conn.execute(select(t.c.id).where(t.c.id == x))',
])
def test_scanner_allows_literal_sql_and_bound_parameters(snippet):
    assert offenders_in(snippet) == []


def test_no_sql_by_string_formatting_in_the_package():
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20, f"scanned only {len(files)} files: is {SRC} right?"
    offenders = [o for f in files
                 for o in offenders_in(f.read_text("utf-8"), str(f.relative_to(SRC.parent)))]
    assert offenders == [], "SQL built by string formatting:\n" + "\n".join(offenders)
