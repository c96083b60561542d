"""A practice plan from a job description: level, kind of company and loop, topics, questions.

The posting is read with word lists only (``coach/jd_topics.toml``, ``coach/loops.toml``),
so the plan is the same offline and online. With an LLM configured, a few questions
specific to the posting are written as well and appended, marked as generated, to the
user's ``COACH_HOME/questions.toml``; without one the plan says that only the bank
was used. Plans are stored by name; ``coach practice --plan NAME`` asks from them.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coach.config import Settings
from coach.errors import InputError
from coach.loops import COMPANY_KINDS, load_loops, load_topics, loop_for, phrases_in
from coach.questions import Question, load_questions
from coach.sessions.store import Store, now, open_store

QUESTIONS_PER_TOPIC = 3
QUESTIONS_PER_ROUND = 2
SLUG_LENGTH = 40
SENIOR_WORDS = ("senior", "sr", "staff", "principal", "lead", "l5", "e5", "ic4")
SENIOR_YEARS = 5
SCREEN_ROUNDS = frozenset({"recruiter_screen"})
"""Rounds whose questions are about the candidate, never a topic's practice."""
NO_LLM_NOTICE = (
    "no LLM configured: the plan uses the question bank only; set OPENAI_API_KEY or "
    "OPENAI_BASE_URL to have questions written for this posting"
)


@dataclass(frozen=True)
class Reading:
    """What the job description says, as found by the word lists."""

    in_scope: bool
    level: str
    level_reason: str
    company_kind: str
    kind_words: dict[str, list[str]]
    topics: dict[str, list[str]]


def read_jd(text: str) -> Reading:
    """Level, kind of company and topics of a posting, with the words that decided each."""
    topics_data = load_topics()
    ml_core = phrases_in(text, topics_data.ml.core)
    ml_all = set(ml_core) | set(phrases_in(text, topics_data.ml.more))
    in_scope = bool(ml_core) and len(ml_all) >= topics_data.ml.min_distinct
    level, reason = read_level(text)
    kinds = load_loops().kind
    kind_words = {kind: phrases_in(text, kinds[kind].words) for kind in COMPANY_KINDS}  # type: ignore[index]
    topics = {t.id: found for t in topics_data.topic if (found := phrases_in(text, t.words))}
    return Reading(in_scope, level, reason, pick_kind(kind_words), kind_words, topics)


def read_level(text: str) -> tuple[str, str]:
    """L5 for a senior title (the first line) or five or more years asked for, else L4."""
    title = next((line for line in text.splitlines() if line.strip()), "")
    senior = phrases_in(title, SENIOR_WORDS)
    # a range ("3-5 years", "3 to 5 years") asks for its lower end
    asked = r"(?:(\d{1,2})\s*(?:-|–|to)\s*)?(\d{1,2})\s*\+?\s*(?:or more\s+)?years"
    years = [int(low or high) for low, high in re.findall(asked, text.lower())]
    most = max(years, default=0)
    if senior:
        return "L5", f"the title says {senior[0]!r}"
    if most >= SENIOR_YEARS:
        return "L5", f"the posting asks for {most}+ years"
    if most:
        return "L4", f"the posting asks for {most} years and no senior title"
    return "L4", "no senior title or years of experience found"


def pick_kind(kind_words: dict[str, list[str]]) -> str:
    """The kind of company with the most distinct words; startup words count double."""
    weights = {"startup": 2.0, "ai_lab": 1.0, "product_ml": 1.0}
    scores = {kind: len(words) * weights[kind] for kind, words in kind_words.items()}
    best = max(scores.values(), default=0)
    if best == 0:
        return "product_ml"
    # ties go to the most common loop, product ML at scale
    for kind in ("product_ml", "startup", "ai_lab"):
        if scores[kind] == best:
            return kind
    return "product_ml"


def question_topics(question: Question) -> list[str]:
    text = f"{question.id.replace('-', ' ')} {question.text}"
    return [t.id for t in load_topics().topic if phrases_in(text, t.questions, prefix=True)]


def build_plan(
    settings: Settings, text: str, name: str, level: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The plan for a posting and the notices to show; generated questions when an LLM is set."""
    reading = read_jd(text)
    level = level or reading.level
    notices: list[str] = []
    plan: dict[str, Any] = {
        "name": name,
        "level": level,
        "level_reason": reading.level_reason if level == reading.level else "given with --level",
        "company_kind": reading.company_kind,
        "company_kind_name": load_loops().kind[reading.company_kind].name,  # type: ignore[index]
        "company_kind_words": reading.kind_words[reading.company_kind],
        "topics": list(reading.topics),
        "topic_words": reading.topics,
        "in_scope": reading.in_scope,
        "rounds": [],
        "questions": [],
        "questions_by_topic": {},
        "questions_by_round": {},
        "stories": [],
        "generated": [],
        "created_at": now(),
    }
    if not reading.in_scope:
        notices.append(
            "this posting does not read as a machine learning role (no ML words found), "
            "so it is out of scope: coach prepares ML engineer interviews only"
        )
        return plan, notices
    loop = loop_for(reading.company_kind, level)
    plan["rounds"] = [r.model_dump() for r in loop.rounds]
    plan["loop_source"] = loop.source
    choose_questions(plan, load_questions(settings.home), [r.round for r in loop.rounds])
    plan["stories"] = fitting_stories(settings, reading)
    if settings.llm_configured:
        from coach.jd_questions import generate_questions

        generated, notice = generate_questions(settings, text, plan)
        plan["generated"] = generated
        plan["questions"] += [g["id"] for g in generated]
        if notice:
            notices.append(notice)
    else:
        notices.append(NO_LLM_NOTICE)
    return plan, notices


def choose_questions(plan: dict[str, Any], every: list[Question], rounds: list[str]) -> None:
    """Bank questions per topic (at the plan's level, else any) and per round of the loop."""
    topics = plan["topics"]
    matched = {q.id: question_topics(q) for q in every}
    for topic in topics:
        fits = [q for q in every if topic in matched[q.id] and q.round not in SCREEN_ROUNDS]
        at_level = [q for q in fits if q.level == plan["level"]]
        plan["questions_by_topic"][topic] = [q.id for q in at_level or fits][:QUESTIONS_PER_TOPIC]
    bank = [q for q in every if q.level == plan["level"]]
    for round_id in dict.fromkeys(rounds):
        in_round = [q for q in bank if q.round == round_id]
        in_round.sort(key=lambda q: -len(set(matched[q.id]) & set(topics)))
        per_round = QUESTIONS_PER_ROUND * rounds.count(round_id)
        plan["questions_by_round"][round_id] = [q.id for q in in_round[:per_round]]
    ordered = [qid for ids in plan["questions_by_round"].values() for qid in ids]
    ordered += [qid for ids in plan["questions_by_topic"].values() for qid in ids]
    plan["questions"] = list(dict.fromkeys(ordered))


def fitting_stories(settings: Settings, reading: Reading) -> list[dict[str, Any]]:
    """Stories in the bank that tell of the posting's topics."""
    from coach.sessions.stories import group_stories

    topic_words = {t.id: t.words for t in load_topics().topic if t.id in reading.topics}
    with open_store(settings.home) as store:
        stories = group_stories(store)
    fits = []
    for story in stories:
        told = " ".join([story.title, story.outline, *(a.transcript or "" for a in story.answers)])
        shared = [topic for topic, words in topic_words.items() if phrases_in(told, words)]
        if shared:
            fits.append({"id": story.id, "title": story.title, "topics": shared})
    return fits


# naming and storing


def plan_name(text: str, given: str | None) -> str:
    """The given name, else one made from the posting's first line."""
    if given is not None and not given.strip():
        raise InputError("the plan name is empty", "give --name NAME, or leave it out")
    source = given if given else next((ln for ln in text.splitlines() if ln.strip()), "plan")
    name = slug(source)
    if not name:
        raise InputError(f"cannot make a plan name from {source!r}", "give --name NAME")
    return name


def slug(text: str) -> str:
    """Lower-case letters and digits joined by dashes, at most 40 characters, cut at a dash."""
    whole = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(whole) <= SLUG_LENGTH:
        return whole
    head = whole[: SLUG_LENGTH + 1]
    return head.rsplit("-", 1)[0] if "-" in head else whole[:SLUG_LENGTH]


def read_jd_text(path: str) -> str:
    if path == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"no such file: {path}", "give the job description's path") from None
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read {path} ({error})", "give a plain text file") from None
    if len(text.split()) < 10:
        raise InputError(
            "the job description is empty or too short to read",
            "paste the whole posting into a file (or stdin with --jd -)",
        )
    return text


def save_plan(store: Store, plan: dict[str, Any]) -> None:
    with store._transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO plans (name, created_at, plan_json) VALUES (?, ?, ?)",
            (plan["name"], plan["created_at"], json.dumps(plan)),
        )


def load_plan(store: Store, name: str) -> dict[str, Any]:
    row = store.connection.execute(
        "SELECT plan_json FROM plans WHERE name = ?", (slug(name),)
    ).fetchone()
    if row is None:
        names = [r[0] for r in store.connection.execute("SELECT name FROM plans ORDER BY name")]
        known = f" (plans: {', '.join(names)})" if names else ""
        raise InputError(f"no plan named {name!r}{known}", "make one with `coach plan --jd FILE`")
    plan: dict[str, Any] = json.loads(row[0])
    return plan


def make_plan(
    settings: Settings, jd: str, name: str | None, level: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Read the posting, build the plan, store it under its name."""
    text = read_jd_text(jd)
    plan, notices = build_plan(settings, text, plan_name(text, name), level)
    with open_store(settings.home) as store:
        save_plan(store, plan)
    return plan, notices


def plan_options(settings: Settings, options: Any, name: str) -> Any:
    """Practice options asking the plan's questions, the least recently asked first."""
    with open_store(settings.home) as store:
        plan = load_plan(store, name)
        last_asked = store.last_asked()
    if not plan["in_scope"]:
        raise InputError(
            f"plan {name!r} is out of scope (not a machine learning posting)",
            "make a plan from an ML engineer posting",
        )
    if options.question_ids:
        return options
    known = {q.id for q in load_questions(settings.home)}
    ids = [qid for qid in plan["questions"] if qid in known]
    if not ids:
        raise InputError(f"plan {name!r} has no questions left in the bank", "make it again")
    order = {qid: index for index, qid in enumerate(ids)}
    ids.sort(key=lambda qid: (last_asked.get(qid, ""), order[qid]))
    count = options.count or len(options.answer_audio) or 3
    return replace(options, question_ids=tuple(ids[:count]))


def render(plan: dict[str, Any], notices: list[str]) -> str:
    """The plan as terminal text."""
    lines = [f"Plan {plan['name']!r}"]
    if not plan["in_scope"]:
        lines.append("Out of scope: this posting does not read as a machine learning role.")
        return "\n".join(lines)
    lines += [
        f"Level: {plan['level']} ({plan['level_reason']})",
        f"Company: {plan['company_kind_name']}"
        + (
            f" (words: {', '.join(plan['company_kind_words'])})"
            if plan["company_kind_words"]
            else ""
        ),
        f"Topics: {', '.join(plan['topics']) or 'none recognised'}",
        "",
        f"Rounds to expect ({plan.get('loop_source', '')}):",
    ]
    for number, item in enumerate(plan["rounds"], start=1):
        minutes = f", {item['minutes']} min" if item["minutes"] else ""
        lines.append(f"  {number}. {item['round']}{minutes}: {item['focus']}")
    lines += ["", "Questions by round:"]
    for round_id, ids in plan["questions_by_round"].items():
        lines.append(f"  {round_id:<18} {', '.join(ids) or '(none in the bank)'}")
    if plan["questions_by_topic"]:
        lines += ["", "Questions by topic:"]
        for topic, ids in plan["questions_by_topic"].items():
            lines.append(f"  {topic:<18} {', '.join(ids) or '(none in the bank)'}")
    if plan["generated"]:
        lines += ["", "Written for this posting (generated):"]
        lines += [f"  {g['id']} [{g['round']}] {g['text']}" for g in plan["generated"]]
    if plan["stories"]:
        lines += ["", "Stories that fit:"]
        lines += [f"  {s['id']} {s['title']} ({', '.join(s['topics'])})" for s in plan["stories"]]
    lines += ["", f"Practise it with `coach practice --plan {plan['name']}`"]
    return "\n".join(lines)
