"""`newswire explain ARTICLE_ID`: an article read from the log, explained by the extractor's own command."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.log import SqliteLog
from newswire.core.models import Article
from newswire.core.topics import ARTICLES

TEXT = ("Government forces took control of the town of Kafr Nabudah in Hama province on Friday after days of "
        "shelling, state media said.\nResidents said the fighting had emptied the town.")


def put_article(tmp_path: Path) -> str:
    article = Article(article_id="4f1c0ffee0000000000000aa", url="https://wire.example/kafr-nabudah",
                      outlet="wire", title="Town changes hands", published=datetime(2026, 3, 7, 9, 0, tzinfo=UTC),
                      fetched_at=datetime(2026, 3, 7, 9, 5, tzinfo=UTC), text=TEXT, content_hash="ab")
    with SqliteLog(tmp_path / "log.db") as log:
        for i in range(20):  # other articles around it, in every partition
            other = article.model_copy(update={"article_id": f"other-{i}", "text": "Nothing happened."})
            log.produce(ARTICLES.name, other.article_id, other.model_dump_json().encode())
        log.produce(ARTICLES.name, article.article_id, article.model_dump_json().encode())
    return article.article_id


def test_explain_an_article_from_the_log(tmp_path: Path) -> None:
    article_id = put_article(tmp_path)
    result = CliRunner().invoke(app, ["explain", article_id, "--log-url", f"sqlite:///{tmp_path / 'log.db'}"],
                                env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert f"{article_id} wire, published 2026-03-07" in result.stdout
    assert "control.changed" in result.stdout and "Kafr Nabudah" in result.stdout and "on Friday" in result.stdout


def test_an_unknown_id_or_no_arguments_is_bad_usage(tmp_path: Path) -> None:
    put_article(tmp_path)
    url = f"sqlite:///{tmp_path / 'log.db'}"
    unknown = CliRunner().invoke(app, ["explain", "nope", "--log-url", url])
    assert unknown.exit_code == 2 and "article 'nope': not on newswire.articles.v1" in unknown.stderr
    neither = CliRunner().invoke(app, ["explain", "--log-url", url])
    assert neither.exit_code == 2 and "give an ARTICLE_ID" in neither.stderr


def test_explain_still_takes_a_file(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps({"doc_id": "d1", "outlet": "wire", "published": "2026-03-07", "title": "t",
                                "text": TEXT, "url": ""}) + "\n")
    result = CliRunner().invoke(app, ["explain", "--input", str(path), "--doc-id", "d1"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "control.changed" in result.stdout
