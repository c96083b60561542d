"""`coach plan`: a practice plan from a job description, offline and with an LLM."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cli_run import run_cli

from coach.loops import load_loops, loop_for
from coach.plan import plan_name
from coach.questions import SOURCE_GUIDES, load_questions
from coach.sessions.store import open_store

JD = Path(__file__).parent / "data" / "jd"



def plan_json(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *extra: str
) -> tuple[dict, str]:  # type: ignore[type-arg]
    code, out, err = run_cli(
        ["plan", "--jd", str(JD / f"{name}.txt"), "--name", name, "--json", *extra],
        "",
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    return json.loads(out), err


@pytest.mark.parametrize(
    ("posting", "level", "kind", "topics"),
    [
        (
            "product_mle",
            "L5",
            "product_ml",
            {"recommendation", "ranking", "feature_stores", "online_serving", "evaluation"},
        ),
        (
            "ai_lab",
            "L4",
            "ai_lab",
            {"llm_training", "distributed_training", "llm_inference", "evaluation"},
        ),
        ("startup", "L4", "startup", {"fraud", "online_serving", "data_pipelines", "monitoring"}),
    ],
)
def test_a_posting_reads_as_its_level_company_and_topics(
    posting: str,
    level: str,
    kind: str,
    topics: set[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan, err = plan_json(posting, capsys, monkeypatch)
    assert plan["in_scope"] is True
    assert plan["name"] == posting.replace("_", "-")
    assert (plan["level"], plan["company_kind"]) == (level, kind)
    assert topics <= set(plan["topics"])
    assert [r["round"] for r in plan["rounds"]] == [r.round for r in loop_for(kind, level).rounds]
    bank = {q.id: q for q in load_questions()}
    assert plan["questions"] and all(q in bank for q in plan["questions"])
    for round_id, ids in plan["questions_by_round"].items():
        assert ids and all(bank[q].round == round_id and bank[q].level == level for q in ids)
    assert plan["generated"] == []
    assert "no LLM configured" in err and "question bank only" in err


def test_topics_pick_matching_bank_questions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, _ = plan_json("startup", capsys, monkeypatch)
    assert "sd-fraud-scoring-l4" in plan["questions_by_topic"]["fraud"]
    assert plan["questions_by_round"]["system_design"][0] in {
        "sd-fraud-scoring-l4",
        "sd-feature-store-l4",
    }
    product, _ = plan_json("product_mle", capsys, monkeypatch)
    assert "sd-feed-ranking-l5" in product["questions_by_topic"]["ranking"]
    assert "sd-ads-ctr-l5" in product["questions_by_topic"]["ads"]


def test_a_non_ml_posting_is_out_of_scope(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, err = plan_json("frontend", capsys, monkeypatch)
    assert plan["in_scope"] is False
    assert plan["questions"] == [] and plan["rounds"] == []
    assert "out of scope" in err
    code, out, err = run_cli(
        ["practice", "--plan", "frontend", "--text", "--no-speak", "--offline"],
        "x\n",
        capsys,
        monkeypatch,
    )
    assert code == 2 and err.count("\n") == 1 and "out of scope" in err


def test_practice_from_a_stored_plan_asks_its_questions(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (JD / "startup.txt").read_text()
    code, out, err = run_cli(["plan", "--jd", "-"], text, capsys, monkeypatch)
    assert code == 0, err
    assert "Plan 'founding-machine-learning-engineer'" in out and "Rounds to expect" in out
    args = ["practice", "--plan", "founding-machine-learning-engineer", "--text", "--count", "2"]
    code, out, err = run_cli(
        [*args, "--no-speak", "--offline", "--no-follow-ups"],
        "We used a gradient boosted tree.\n\nWe retrained it weekly.\n\n",
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    with open_store(coach_home) as store:
        asked = [a.question_id for a in store.answers()]
        plans = store.connection.execute("SELECT name FROM plans").fetchall()
    assert [tuple(p) for p in plans] == [("founding-machine-learning-engineer",)]
    code, out, _ = run_cli(
        ["plan", "--jd", str(JD / "startup.txt"), "--json"], "", capsys, monkeypatch
    )
    stored = json.loads(out)
    assert len(asked) == 2 and set(asked) <= set(stored["questions"])
    # the next session starts with the plan's questions not asked yet
    run_cli(
        [*args, "--no-speak", "--offline", "--no-follow-ups"], "A.\n\nB.\n\n", capsys, monkeypatch
    )
    with open_store(coach_home) as store:
        later = [a.question_id for a in store.answers()][2:]
    assert not set(later) & set(asked)

    code, _, err = run_cli(["practice", "--plan", "nope", "--text"], "", capsys, monkeypatch)
    assert code == 2 and "no plan named 'nope'" in err and "founding" in err


def test_stories_in_the_bank_that_fit_the_posting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli(
        ["stories", "add", "--title", "Chargeback fraud model", "--outline", "Cut fraud losses."],
        "",
        capsys,
        monkeypatch,
    )
    plan, _ = plan_json("startup", capsys, monkeypatch)
    assert plan["stories"] == [{"id": "s1", "title": "Chargeback fraud model", "topics": ["fraud"]}]
    product, _ = plan_json("product_mle", capsys, monkeypatch)
    assert product["stories"] == []


def test_an_empty_or_missing_posting_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, _, err = run_cli(["plan", "--jd", "-"], "Engineer\n", capsys, monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "too short" in err
    code, _, err = run_cli(["plan", "--jd", str(tmp_path / "no.txt")], "", capsys, monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "no such file" in err
    posting = str(JD / "startup.txt")
    code, _, err = run_cli(["plan", "--jd", posting, "--name", " "], "", capsys, monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "plan name is empty" in err


def test_an_llm_writes_questions_for_the_posting(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_llm import MODEL, FakeLLM, Reply

    invalid = json.dumps({"questions": [{"round": "kitchen", "text": "Too short"}]})
    valid = json.dumps(
        {
            "questions": [
                {
                    "round": "system_design",
                    "text": "Design the checkout fraud model for our merchants, scoring each "
                    "payment in real time before the card is charged.",
                },
                {
                    "round": "behavioral",
                    "text": "Tell me about a time you turned chargeback labels into a model "
                    "that shipped, and what broke after launch.",
                },
            ]
        }
    )
    with FakeLLM(Reply(invalid), Reply(valid)) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("COACH_LLM_MODEL", MODEL)
        plan, err = plan_json("startup", capsys, monkeypatch)
    first, second = llm.chat_requests
    assert first.response_format == "json_object"
    assert "chargebacks" in first.text() and "JOB-DESCRIPTION-" in first.text()
    assert "not valid" in second.messages[-1]["content"]
    generated = plan["generated"]
    assert [g["round"] for g in generated] == ["system_design", "behavioral"]
    assert all(g["generated"] and g["id"].startswith("gen-startup-") for g in generated)
    assert {g["id"] for g in generated} <= set(plan["questions"])
    assert "2 generated question(s) added" in err and "bank only" not in err

    user_file = coach_home / "questions.toml"
    assert "# generated by `coach plan`" in user_file.read_text()
    stored = tomllib.loads(user_file.read_text())["question"]
    assert [q["id"] for q in stored] == [g["id"] for g in generated]
    bank = {q.id: q for q in load_questions(coach_home)}
    assert bank[generated[0]["id"]].level == "L4" and bank[generated[0]["id"]].source == "user"

    # a second plan from the same posting takes new ids; the file still loads
    with FakeLLM(Reply(valid)) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        again, _ = plan_json("startup", capsys, monkeypatch)
    assert not {g["id"] for g in again["generated"]} & {g["id"] for g in generated}
    assert len(load_questions(coach_home)) == len(bank) + 2


def test_a_failing_llm_leaves_the_bank_plan_and_says_so(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_llm import MODEL, FakeLLM, Reply

    key = "sk-test-NEVER-SHOWN-0123456789"
    with FakeLLM(Reply(status=500, error=f"boom {key}")) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("OPENAI_API_KEY", key)
        monkeypatch.setenv("COACH_LLM_MODEL", MODEL)
        plan, err = plan_json("product_mle", capsys, monkeypatch)
    assert plan["generated"] == [] and plan["questions"]
    assert "HTTP 500" in err and "question bank only" in err and key not in err
    assert not (coach_home / "questions.toml").exists()


def test_loop_data_cites_the_guides() -> None:
    data = load_loops()
    for kind in data.kind.values():
        assert set(kind.sources) <= SOURCE_GUIDES
    pairs = {(loop.kind, loop.level) for loop in data.loop}
    assert pairs == {(k, lv) for k in ("product_ml", "ai_lab", "startup") for lv in ("L4", "L5")}
    assert all(loop.source in SOURCE_GUIDES for loop in data.loop)
    senior = loop_for("product_ml", "L5")
    assert len(senior.rounds) == 7 and senior.rounds[5].round == "cross_functional"
    assert len(loop_for("startup", "L4").rounds) <= 4


def test_plan_stories_and_reports_import_nothing_heavy(coach_home: Path) -> None:
    heavy = ("faster_whisper", "ctranslate2", "openai", "sounddevice", "pyttsx3", "av")
    probe = (
        "import sys, io, contextlib\n"
        "from coach.cli import main\n"
        "quiet = contextlib.redirect_stdout(io.StringIO())\n"
        "with quiet, contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main(['plan', '--jd', {str(JD / 'startup.txt')!r}])\n"
        "    main(['stories', '--json'])\n"
        "    main(['mock', '--report'])\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_slow_llm_is_given_up_on_within_the_time_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_llm import MODEL, FakeLLM, Reply

    with FakeLLM(default=Reply(json.dumps({"questions": []}), delay_s=10)) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("COACH_LLM_MODEL", MODEL)
        monkeypatch.setenv("COACH_LLM_TIMEOUT", "1")
        plan, err = plan_json("ai_lab", capsys, monkeypatch)
    assert plan["generated"] == [] and plan["questions"]
    assert "no reply within 1 s" in err and "question bank only" in err


@pytest.mark.parametrize(
    ("posting", "level"),
    [
        ("Machine Learning Engineer\nYou will work with senior partners. 3+ years.", "L4"),
        ("Sr. Machine Learning Engineer, Ads\nBuild models.", "L5"),
        ("Machine Learning Engineer\nWe ask for 6 or more years of experience.", "L5"),
        ("Machine Learning Engineer\nBuild and ship models.", "L4"),
        ("Machine Learning Engineer\nYou bring 3-5 years of experience.", "L4"),
        ("Machine Learning Engineer\nYou bring 2 to 4 years, ideally 6+ years.", "L5"),
    ],
)
def test_the_level_comes_from_the_title_or_the_years(posting: str, level: str) -> None:
    from coach.plan import read_level

    assert read_level(posting)[0] == level


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Senior Machine Learning Engineer, Ads Ranking", "senior-machine-learning-engineer-ads"),
        ("ML Engineer (Fraud)", "ml-engineer-fraud"),
        ("x" * 50, "x" * 40),
    ],
)
def test_a_plan_is_named_after_the_title_cut_at_a_word(title: str, name: str) -> None:
    assert plan_name(f"{title}\nthe rest of the posting", None) == name
    assert plan_name("anything", "My Plan") == "my-plan"
