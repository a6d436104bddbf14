"""One home each (issue 13): exit codes documented once, one validation-error format, no dead public names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, ValidationError

import newswire
from newswire import commands
from newswire.core import models
from newswire.core.errors import RecordError, first_problem

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(newswire.__file__).resolve().parent


def test_the_readme_states_every_exit_code_and_no_other_doc_restates_them() -> None:
    readme = (ROOT / "README.md").read_text()
    for code, words in [(commands.EXIT_ERROR, "the work failed"), (commands.EXIT_CONFIG, "bad usage or"),
                        (commands.EXIT_UNAVAILABLE, "the log, the database or a backend"),
                        (commands.EXIT_INTERRUPTED, "interrupted")]:
        assert re.search(rf"\b{code} {words}", readme.replace("\n", " ")), (code, words)
    listing = re.compile(r"\b1 the work failed|\b2 (bad usage|configuration)\b")
    restated = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").glob("*.md"))
                if listing.search(p.read_text().replace("\n", " "))]
    assert restated == []


class _Line(BaseModel):
    doc_id: str = Field(max_length=3)


def test_first_problem_names_the_field_path_or_the_whole_value() -> None:
    with pytest.raises(ValidationError) as field_error:
        _Line(doc_id="toolong")
    assert first_problem(field_error.value) == "doc_id: String should have at most 3 characters"
    with pytest.raises(ValidationError) as whole_error:
        _Line.model_validate_json("[]")
    assert first_problem(whole_error.value, "line").startswith("line: ")
    assert str(RecordError.invalid("an article", field_error.value, where="t[0]@1")) == \
        "t[0]@1: not an article: doc_id: String should have at most 3 characters"


def test_validation_errors_are_formatted_in_one_place() -> None:
    """``exc.errors()[0]`` is read by first_problem, and by the settings (which also name the env var)."""
    readers = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "attr", None) == "errors"):
                readers.add(str(path.relative_to(PACKAGE)))
    assert readers == {"core/errors.py", "core/config.py"}


# Names an event type's author uses in a new payload model (core/models.py's docstring), not yet outside it.
_FOR_AUTHORS = {"MAX_ID", "MAX_NAME", "Id", "Name"}


def test_every_public_name_of_the_models_is_used() -> None:
    sources = [p.read_text() for p in PACKAGE.rglob("*.py") if p != Path(models.__file__).resolve()]
    sources += [p.read_text() for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name]
    unused = [n for n in models.__all__ if n not in _FOR_AUTHORS
              and not any(re.search(rf"\b{n}\b", text) for text in sources)]
    assert unused == []
    assert len(models.__all__) == len(set(models.__all__))
    for name in models.__all__:
        assert hasattr(models, name), name
