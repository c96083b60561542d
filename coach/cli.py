"""The `coach` command line: parse arguments, call the library, print the result.

Heavy libraries (faster-whisper, openai, sounddevice) are imported inside the
handlers that need them, so `coach --help` starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coach import __version__
from coach.errors import CoachError
from coach.rounds import LEVELS, ROUNDS


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def settings_from(args: argparse.Namespace) -> Any:
    from coach.config import load_settings

    return load_settings(
        whisper_model=getattr(args, "model", None),
        voice=getattr(args, "voice", None),
        input_device=getattr(args, "input_device", None),
    )


# handlers


def cmd_questions(args: argparse.Namespace) -> int:
    from coach.questions import load_questions, select_questions

    settings = settings_from(args)
    questions = select_questions(load_questions(settings.home), args.round, args.level)
    if args.json:
        print_json([q.as_json() for q in questions])
        return 0
    width = max([len("id")] + [len(q.id) for q in questions])
    print(f"{'id':<{width}}  {'round':<18} level  time  question")
    for q in questions:
        print(f"{q.id:<{width}}  {q.round:<18} {q.level:<5} {q.time_budget_s:>4}s  {q.text}")
    print(f"\n{len(questions)} question(s)", file=sys.stderr)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from coach.answers import question_to_score, read_answer
    from coach.rubrics.scoring import score_answer
    from coach.sessions.review import format_scorecard

    settings = settings_from(args)
    question = question_to_score(
        settings, args.question, args.question_text, args.round, args.level, args.follow_up
    )
    transcript, delivery = read_answer(
        settings, args.text, args.text_file, args.audio, question.time_budget_s
    )
    result = score_answer(
        question, transcript, settings, args.level, delivery, offline=args.offline
    )
    if result.notice:
        print(f"coach: {result.notice}", file=sys.stderr)
    if args.json:
        print_json(result.scorecard.model_dump(mode="json"))
    else:
        print(format_scorecard(result.scorecard))
    return 0


def cmd_transcribe(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from coach.audio.transcribe import load_transcriber, transcribe_file

    settings = settings_from(args)
    transcript, delivery = transcribe_file(settings, args.audio)
    if args.json:
        print_json(
            {
                "text": transcript.text,
                "raw_text": transcript.raw_text,
                "no_speech": transcript.no_speech,
                "duration_s": transcript.duration_s,
                "model": load_transcriber(settings).ref.name,
                "words": [asdict(w) for w in transcript.words],
                "delivery": delivery.model_dump(),
            }
        )
        return 0
    if transcript.no_speech:
        seconds = transcript.duration_s
        from coach.audio.record import SILENT_FILE_FIX

        print(
            f"no speech detected in {args.audio} ({seconds:.1f} s): {SILENT_FILE_FIX}",
            file=sys.stderr,
        )
        return 0
    print(transcript.raw_text)  # as said, with the fillers the delivery figures count
    print("; ".join(delivery.model_dump()["bands"].values()), file=sys.stderr)
    return 0


def practice_options(args: argparse.Namespace, **extra: Any) -> Any:
    from pathlib import Path

    from coach.sessions.practice import PracticeOptions

    return PracticeOptions(
        round=getattr(args, "round", None),
        level=getattr(args, "level", None),
        count=getattr(args, "count", None),
        question_ids=tuple(getattr(args, "question", None) or ()),
        typed=args.text,
        answer_audio=tuple(Path(p) for p in args.answer_audio),
        realtime=args.realtime,
        speak=not args.no_speak,
        offline=args.offline,
        follow_ups=args.follow_ups,
        **extra,
    )


def cmd_practice(args: argparse.Namespace) -> int:
    from coach.sessions.practice import Practice

    settings, options = settings_from(args), practice_options(args)
    if args.plan:
        from coach.plan import plan_options

        options = plan_options(settings, options, args.plan)
    if args.story:
        from coach.sessions.stories import practise_story

        practise_story(settings, options, args.story)
        return 0
    Practice(settings, options).run()
    return 0


def cmd_stories(args: argparse.Namespace) -> int:
    from coach.sessions import stories

    settings = settings_from(args)
    if args.stories_command == "add":
        if sys.stdin.isatty() and args.outline is None:
            print("Type the title line, then a few lines of outline; Ctrl-D ends.")
        text = sys.stdin.read() if args.outline is None else args.outline
        title, outline = stories.parse_outline(text, args.title)
        added = stories.add_story(settings, title, outline)
        if args.json:
            print_json(added)
        else:
            print(f"added story {added['id']}: {added['title']}")
            print(f"practise it with `coach practice --story {added['id']}`")
        return 0
    report = stories.story_bank(settings, args.level)
    if args.json:
        print_json(report)
    else:
        print(stories.render(report))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from coach.sessions import review
    from coach.sessions.store import open_store

    settings = settings_from(args)
    if args.html:
        from coach.sessions.html_review import ReviewPageOptions, write_review_page

        options = ReviewPageOptions(embed_audio=args.embed_audio, weak_below=settings.weak_below)
        with open_store(settings.home, write=False) as store:
            write_review_page(store, args.session, args.html, options)
        print(f"wrote {args.html}", file=sys.stderr)
        return 0
    with open_store(settings.home, write=False) as store:
        report = review.review(store, args.session)
    if args.play is not None:
        review.play_answer(report, args.play)
        return 0
    if args.markdown:
        args.markdown.write_text(review.render(report, markdown=True), encoding="utf-8")
        print(f"wrote {args.markdown}", file=sys.stderr)
    if args.json:
        print_json(report)
    elif not args.markdown:
        print(review.render(report))
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    from coach.sessions.store import open_store

    with open_store(settings_from(args).home, write=False) as store:
        sessions = store.sessions()
    if args.json:
        print_json([vars(s) for s in sessions])
        return 0
    if not sessions:
        print("No sessions yet: start one with `coach practice`.")
        return 0
    print(f"{'id':>4}  {'started (UTC)':<25} {'mode':<7} answers")
    for s in sessions:
        print(f"{s.id:>4}  {s.started_at:<25} {s.mode:<7} {s.answer_count}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from coach.errors import InputError
    from coach.sessions import replay

    settings = settings_from(args)
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit {args.limit} shows no rounds", "give 1 or more")
    if args.list:
        queue = replay.queue_report(settings)[: args.limit]
        if args.json:
            print_json(queue)
        else:
            print(replay.render_queue(queue))
        return 0
    replay.run_replay(settings, practice_options(args, listen=args.listen), args.limit)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from coach import plan

    made, notices = plan.make_plan(settings_from(args), args.jd, args.name, args.level)
    for notice in notices:
        print(f"coach: {notice}", file=sys.stderr)
    if args.json:
        print_json(made)
    else:
        print(plan.render(made, notices))
    return 0


def cmd_mock(args: argparse.Namespace) -> int:
    from coach.sessions import mock, readiness

    settings = settings_from(args)
    if args.report:
        report = mock.stored_report(settings, args.report)
    else:
        options = mock.MockOptions(
            level=args.level,
            company_kind=args.kind,
            plan=args.plan,
            resume=args.resume,
            breaks=args.breaks,
        )
        report = mock.run_mock(settings, practice_options(args), options, quiet=args.json)
    if args.json:
        print_json(report)
    elif not report.get("paused"):
        print("\n" + readiness.render(report))
        print(f"Read the answers back with `coach review {report['session']}`.")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from coach.sessions import history
    from coach.sessions.store import open_store

    settings = settings_from(args)
    with open_store(settings.home, write=False) as store:
        if args.html:
            from coach.sessions.html_history import write_history_page

            write_history_page(store, args.html, settings.weak_below)
            print(f"wrote {args.html}", file=sys.stderr)
            return 0
        report = history.history(store.answers())
    if args.json:
        print_json(report)
    else:
        print(history.render(report))
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from coach.sessions.rescore import rescore

    for line in rescore(settings_from(args), args.session, offline=args.offline):
        print(line)
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from coach.audio import speak
    from coach.errors import InputError

    settings = settings_from(args)
    if args.rate:
        settings = replace(settings, speech_rate=args.rate)
    if args.list:
        for voice in speak.list_voices():
            languages = f"  [{', '.join(voice.languages)}]" if voice.languages else ""
            print(f"{voice.id:<26} {voice.engine:<8} {voice.name}{languages}")
        if not speak.piper_available():
            print(
                f"the natural Piper voice is not installed: {speak.PIPER_INSTALL}", file=sys.stderr
            )
        print(
            "try one: coach say --voice ID 'Tell me about a model you shipped.' "
            "(keep it with COACH_VOICE or `voice` in config.toml)",
            file=sys.stderr,
        )
        return 0
    if not (args.text or "").strip():
        raise InputError("give the TEXT to speak", "e.g. coach say 'Hello there' (or --list)")
    if args.out:
        if Path(args.out).is_dir():
            raise InputError(f"--out {args.out} is a folder", "give a file name, e.g. voice.wav")
        path = speak.synthesize(args.text, Path(args.out), settings)
        print(f"wrote {path}", file=sys.stderr)
        return 0
    speaker = speak.make_speaker(settings)
    print(args.text)
    speaker.say(args.text)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from coach.sessions.forget import forget

    print(forget(settings_from(args), args.session))
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from coach.audio.devices import Kind, describe, list_devices

    devices = list_devices()
    if args.json:
        print_json([asdict(device) for device in devices])
        return 0
    kinds: tuple[tuple[Kind, str], ...] = (("input", "Microphones"), ("output", "Speakers"))
    for kind, title in kinds:
        found = [device for device in devices if device.channels(kind)]
        print(f"{title} ({kind}):")
        print("\n".join(describe(d, kind) for d in found) if found else "    none found")
    print(
        "* is the default; choose a microphone with --input-device INDEX_OR_NAME "
        "(or COACH_INPUT_DEVICE)",
        file=sys.stderr,
    )
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from coach.doctor import run_checks

    failed = 0
    for check in run_checks(settings_from(args)):
        if check.ok:
            print(f"OK    {check.name}: {check.detail}")
        else:
            failed += 1
            print(f"FAIL  {check.name}: {check.detail}")
            print(f"      fix: {check.fix}")
    if failed:
        print(f"{failed} check(s) failed", file=sys.stderr)
    return 1 if failed else 0


# parser


def add_answer_flags(parser: argparse.ArgumentParser) -> None:
    """How answers are captured and scored (practice and replay)."""
    parser.add_argument(
        "--text", action="store_true", help="type answers on stdin (an empty line ends each)"
    )
    parser.add_argument(
        "--answer-audio",
        action="append",
        default=[],
        metavar="AUDIO",
        help="feed the recorder from this recording instead of the microphone (one per answer; "
        "WAV, FLAC, MP3, M4A/AAC, Ogg/Opus or WebM)",
    )
    parser.add_argument("--realtime", action="store_true", help="feed files at speaking pace")
    parser.add_argument("--no-speak", action="store_true", help="print questions only")
    parser.add_argument("--offline", action="store_true", help="use the offline scorer")
    parser.add_argument("--voice", help="TTS voice: a system voice id or `piper`")
    parser.add_argument("--input-device", help="microphone index or name (see `coach devices`)")
    parser.add_argument("--model", help="Whisper model size name or folder")


def add_follow_up_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--follow-ups",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="answer each question's follow-up probe too (default: ask when interactive)",
    )


class CommandParser(argparse.ArgumentParser):
    """coach's parser and its commands' (``add_subparsers`` makes them of the same class): each
    names itself in the namespace it fills unless a deeper command's parser did, so an unknown
    option is told with the usage of the command it was given to."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, unknown = super().parse_known_args(args, namespace)
        if getattr(parsed, "command_parser", None) is None:
            parsed.command_parser = self
        return parsed, unknown


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="coach",
        description="A voice interview coach for Machine Learning Engineer interviews.",
    )
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    practice = commands.add_parser("practice", help="practise answering questions out loud")
    practice.add_argument("--round", choices=ROUNDS)
    practice.add_argument("--level", choices=LEVELS)
    practice.add_argument("--count", type=int, help="questions in the session (default 3)")
    practice.add_argument("--question", action="append", default=[], metavar="ID")
    practice.add_argument(
        "--story", metavar="ID", help="link the answers to a story (see `coach stories`)"
    )
    practice.add_argument("--plan", metavar="NAME", help="ask questions from a plan (`coach plan`)")
    add_answer_flags(practice)
    add_follow_up_flag(practice)
    practice.set_defaults(handler=cmd_practice)

    score = commands.add_parser("score", help="score one answer without a session")
    which = score.add_mutually_exclusive_group(required=True)
    which.add_argument("--question", metavar="ID")
    which.add_argument("--question-text", metavar="TEXT")
    score.add_argument("--round", choices=ROUNDS)
    score.add_argument(
        "--follow-up",
        metavar="PROBE",
        help="the answer is to this follow-up of the question: scored on what the probe asks",
    )
    answer = score.add_mutually_exclusive_group(required=True)
    answer.add_argument(
        "--audio", metavar="AUDIO", help="a recording: WAV, FLAC, MP3, M4A/AAC, Ogg/Opus or WebM"
    )
    answer.add_argument("--text-file", metavar="FILE")
    answer.add_argument("--text", metavar="TEXT")
    score.add_argument("--level", choices=LEVELS)
    score.add_argument("--offline", action="store_true")
    score.add_argument("--model", help="Whisper model size name or folder")
    score.add_argument("--json", action="store_true")
    score.set_defaults(handler=cmd_score)

    transcribe = commands.add_parser(
        "transcribe", help="transcribe one recording (WAV, FLAC, MP3, M4A/AAC, Ogg/Opus, WebM)"
    )
    transcribe.add_argument(
        "audio", metavar="AUDIO", help="a recording: WAV, FLAC, MP3, M4A/AAC, Ogg/Opus or WebM"
    )
    transcribe.add_argument("--model", help="Whisper model size name or folder")
    transcribe.add_argument("--json", action="store_true")
    transcribe.set_defaults(handler=cmd_transcribe)

    questions = commands.add_parser("questions", help="list the question bank")
    questions.add_argument("--round", choices=ROUNDS)
    questions.add_argument("--level", choices=LEVELS)
    questions.add_argument("--json", action="store_true")
    questions.set_defaults(handler=cmd_questions)

    review = commands.add_parser("review", help="feedback transcripts of a session")
    review.add_argument("session", nargs="?", default="last", metavar="SESSION|last")
    review.add_argument("--json", action="store_true")
    review.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown report")
    review.add_argument("--play", type=int, metavar="N", help="play the recording of answer N")
    review.add_argument(
        "--html", type=Path, metavar="FILE", help="write a self-contained page to open in a browser"
    )
    review.add_argument(
        "--embed-audio", action="store_true", help="with --html: put the recordings in the page"
    )
    review.set_defaults(handler=cmd_review)

    sessions = commands.add_parser("sessions", help="list past sessions")
    sessions.add_argument("--json", action="store_true")
    sessions.set_defaults(handler=cmd_sessions)

    rescore = commands.add_parser("rescore", help="score a session's answers again")
    rescore.add_argument("session", nargs="?", default="last", metavar="SESSION|last|all")
    rescore.add_argument("--offline", action="store_true")
    rescore.set_defaults(handler=cmd_rescore)

    replay = commands.add_parser("replay", help="practise weak rounds again")
    replay.add_argument("--list", action="store_true", help="show the queue only")
    replay.add_argument("--limit", type=int)
    replay.add_argument("--json", action="store_true")
    replay.add_argument("--listen", action="store_true", help="hear your previous answer first")
    add_answer_flags(replay)
    add_follow_up_flag(replay)
    replay.set_defaults(handler=cmd_replay)

    stories = commands.add_parser("stories", help="the story bank and its coverage")
    stories.add_argument("--level", choices=LEVELS)
    stories.add_argument("--json", action="store_true")
    stories.set_defaults(handler=cmd_stories, stories_command=None)
    story_commands = stories.add_subparsers(dest="stories_command", metavar="add")
    add = story_commands.add_parser("add", help="note a story outline (title line, then lines)")
    add.add_argument("--title", help="the story's title (else the first line typed)")
    add.add_argument("--outline", help="the outline text (else read from stdin)")
    add.add_argument("--json", action="store_true")

    plan = commands.add_parser("plan", help="a practice plan from a job description")
    plan.add_argument("--jd", required=True, metavar="FILE|-", help="the posting (- for stdin)")
    plan.add_argument("--name", help="store the plan under this name (else from its title)")
    plan.add_argument("--level", choices=LEVELS, help="override the level the posting reads as")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(handler=cmd_plan)

    mock = commands.add_parser("mock", help="a full mock loop ending in a readiness report")
    mock.add_argument("--level", choices=LEVELS)
    mock.add_argument("--kind", choices=("product_ml", "ai_lab", "startup"), help="company kind")
    mock.add_argument("--plan", metavar="NAME", help="the loop of a plan from `coach plan`")
    mock.add_argument("--resume", action="store_true", help="continue the last unfinished loop")
    mock.add_argument(
        "--report", nargs="?", const="last", metavar="SESSION", help="show a finished loop's report"
    )
    mock.add_argument(
        "--breaks", action=argparse.BooleanOptionalAction, default=True, help="break between rounds"
    )
    mock.add_argument("--json", action="store_true")
    add_answer_flags(mock)
    add_follow_up_flag(mock)
    mock.set_defaults(handler=cmd_mock)

    history = commands.add_parser("history", help="progress per criterion over time")
    history.add_argument("--json", action="store_true")
    history.add_argument("--html", type=Path, metavar="FILE", help="write a page with charts")
    history.set_defaults(handler=cmd_history)

    forget = commands.add_parser("forget", help="delete a session's (or all) recordings and rows")
    forget.add_argument("session", metavar="SESSION|last|all")
    forget.set_defaults(handler=cmd_forget)

    say = commands.add_parser("say", help="speak text with the coach's voice")
    say.add_argument("text", metavar="TEXT", nargs="?")
    say.add_argument("--out", metavar="WAV", help="write the WAV instead of playing it")
    say.add_argument("--voice", help="a voice id from --list, or piper")
    say.add_argument("--rate", type=int, help="words per minute (default 175)")
    say.add_argument("--list", action="store_true", help="list the voices and exit")
    say.set_defaults(handler=cmd_say)

    devices = commands.add_parser("devices", help="list microphones and speakers")
    devices.add_argument("--json", action="store_true")
    devices.set_defaults(handler=cmd_devices)

    doctor = commands.add_parser("doctor", help="check microphone, speaker, TTS, model, LLM")
    doctor.add_argument("--input-device")
    doctor.set_defaults(handler=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # told by the command's own parser, with its usage
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        parser.print_help()
        return 0
    from coach.lifecycle import debug_logging, safe_output, terminate_like_interrupt

    with safe_output(), terminate_like_interrupt():
        debug_logging()
        return run(args)


def run(args: argparse.Namespace) -> int:
    """The handler's exit code; every failure is one line on stderr (the traceback with
    COACH_DEBUG=1)."""
    from coach.errors import Terminated

    try:
        return int(args.handler(args))
    except CoachError as error:
        return fail(str(error), error.exit_code)
    except Terminated:
        print("\ncoach: stopped (SIGTERM); everything finished so far is saved", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("\ncoach: interrupted; everything finished so far is saved", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # a file-system failure no handler foresaw
        from coach.errors import home_error

        return fail(str(home_error(error, os.environ.get("COACH_HOME", "COACH_HOME"))), 1)


def fail(message: str, code: int) -> int:
    if os.environ.get("COACH_DEBUG") == "1":
        traceback.print_exc()
    print(f"coach: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
