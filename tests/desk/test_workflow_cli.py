"""The desk's main flow through the real `zhimei` command in subprocesses, on the scripted backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zhimei.desk.labels.text import escape_markdown
from zhimei.interfaces.cli.app import main

pytestmark = pytest.mark.cli

ARTICLE = (
    "The city council approved a $12.5 million budget for road repairs on Tuesday.\n"
    "Work on the first 40 streets starts in May, the council said.\n"
)


def zhimei(tmp_path: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIMEI_")}
    env.update({"ZHIMEI_HOME": str(tmp_path / "home"), "ZHIMEI_BACKEND": "scripted", "NO_COLOR": "1"})
    env["COLUMNS"] = "200"
    if user:
        env["ZHIMEI_USER"] = user
    return subprocess.run(
        [sys.executable, "-m", "zhimei", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def test_users_draft_edit_review_publish_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    ok(zhimei(tmp_path, "users", "add", "ada", "--role", "admin"))
    ok(zhimei(tmp_path, "users", "add", "alice", "--role", "reporter", "--by", "ada"))
    # The rest of the staff in-process (a subprocess costs a second of start-up on a busy machine).
    monkeypatch.setenv("ZHIMEI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZHIMEI_BACKEND", "scripted")
    assert run_main(capsys, "users", "add", "bob", "--role", "editor", "--by", "ada")[0] == 0

    new = ok(
        zhimei(
            tmp_path, "drafts", "new", "--task", "summary", "--file", "article.txt", "--json", user="alice"
        )
    )
    draft = json.loads(new.stdout)
    assert (draft["id"], draft["head"], draft["state"], draft["created_by"]) == (1, 1, "draft", "alice")

    edited = tmp_path / "edited.md"
    edited.write_text(
        "The council approved a $12.5 million road budget on Tuesday.\n"
        "Work starts in May. <script>alert(1)</script>\n",
        encoding="utf-8",
    )
    ok(zhimei(tmp_path, "drafts", "edit", "1", "--file", "edited.md", "--by", "alice", "--parent", "1"))

    ok(zhimei(tmp_path, "review", "submit", "1", "--by", "alice"))
    ok(zhimei(tmp_path, "review", "approve", "1", "--by", "bob"))

    ok(zhimei(tmp_path, "publish", "1", "--to", "markdown", "--out", "site", "--by", "bob"))
    ok(zhimei(tmp_path, "publish", "1", "--to", "html", "--out", "site", "--by", "bob"))
    md = (tmp_path / "site" / "draft-1.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(md.split("---\n")[1])
    assert meta["AIGC"]["Label"] == "1" and meta["reviewedBy"] == "bob"
    assert (
        md.rstrip().endswith(escape_markdown(meta["aiLabel"])) and "reviewed by editor bob" in meta["aiLabel"]
    )
    page = (tmp_path / "site" / "draft-1.html").read_text(encoding="utf-8")
    assert '<meta name="AIGC"' in page and "application/ld+json" in page and "<script>alert" not in page

    audit = json.loads(ok(zhimei(tmp_path, "audit", "--draft", "1", "--json")).stdout)
    assert [(e["actor"], e["action"]) for e in audit] == [
        ("alice", "create"),
        ("alice", "generate"),
        ("alice", "edit"),
        ("alice", "submit"),
        ("bob", "approve"),
        ("bob", "publish"),
        ("bob", "publish"),
    ]
    # Error exits, show, diff and edit pairs in-process.
    code, _, err = run_main(
        capsys, "drafts", "edit", "1", "--file", str(edited), "--by", "bob", "--parent", "1"
    )
    assert code == 7 and "published: cannot revise" in err
    code, _, err = run_main(capsys, "review", "approve", "1", "--by", "ada", "--revision", "1")
    assert code == 7 and "cannot approve" in err
    code, out, _ = run_main(capsys, "drafts", "show", "1", "--json")
    shown = json.loads(out)
    assert shown["draft"]["state"] == "published" and len(shown["publications"]) == 2
    assert shown["head"]["text"].endswith("<script>alert(1)</script>")  # stored as the text it is
    code, out, _ = run_main(capsys, "drafts", "diff", "1", "--from", "1", "--to", "2")
    assert code == 0 and out.startswith("--- r1\n+++ r2\n")
    code, out, _ = run_main(capsys, "drafts", "pairs")
    assert code == 0 and json.loads(out)["approved_by"] == "bob"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the console entry point in this process; returns its exit code, stdout and stderr."""
    saved = sys.argv
    sys.argv = ["zhimei", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_errors_exit_with_their_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIMEI_HOME", str(tmp_path / "home"))
    code, _, err = run_main(capsys, "users", "add", "alice", "--role", "reporter")
    assert code == 3 and "first user must be an admin" in err
    assert run_main(capsys, "users", "add", "ada", "--role", "admin")[0] == 0
    assert run_main(capsys, "users", "add", "alice", "--role", "reporter", "--by", "ada")[0] == 0
    code, _, err = run_main(capsys, "users", "add", "eve", "--role", "admin", "--by", "alice")
    assert code == 9 and "may not users manage" in err
    code, _, err = run_main(capsys, "drafts", "show", "3")
    assert code == 3 and "no draft 3" in err
    code, _, err = run_main(capsys, "drafts", "regenerate", "3", "--style", "concise", "--by", "ada")
    assert code == 3 and "go with --paragraph" in err
    code, _, err = run_main(
        capsys, "drafts", "regenerate", "3", "--paragraph", "2", "--n", "2", "--by", "ada"
    )
    assert code == 3 and "one revision" in err
    code, _, err = run_main(capsys, "drafts", "regenerate", "3", "--paragraph", "0", "--by", "ada")
    assert code == 2 and "--paragraph" in err
    code, _, err = run_main(capsys, "publish", "x", "--to", "markdown")
    assert code == 2 and "draft id" in err
    code, _, err = run_main(capsys, "publish", "1", "--to", "markdown", "--at", "tomorrow", "--by", "ada")
    assert code == 3 and "not a time" in err
    code, out, _ = run_main(capsys, "users", "list", "--json")
    assert [u["name"] for u in json.loads(out)] == ["ada", "alice"]
