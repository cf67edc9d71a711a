"""The thin command-line layer: parse arguments, call the core, render, map exit codes.

No logic lives here. libcst and GitPython are imported only by the commands that use
them, so ``olx --help``, ``show`` and ``check`` start fast.
"""

# No ``from __future__ import annotations`` here: typer reads the commands' annotations
# on every run, and as strings they would be compiled anew each time (about 8 ms a
# run); as objects they are built once, by the module's cached bytecode.

import contextlib
import functools
import gc
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from olx import __version__
from olx.cli import completion
from olx.errors import InternalError, OlxError, UsageError

if TYPE_CHECKING:
    from olx.repo.targets import Target

app = typer.Typer(
    name="olx",
    help="Safe, verified edits of an Open edX version matrix.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Print the unified diff; write nothing, touch no git state."
    ),
]
NoCommit = Annotated[
    bool, typer.Option("--no-commit", help="Write the files; touch no git state.")
]
BranchOpt = Annotated[
    str | None,
    typer.Option(
        "--branch",
        "--git-branch",
        help="Commit on NAME (created from HEAD, or the current branch).",
    ),
]
# add-release's --branch is the release's own branch (docs/contract.md), so there the
# commit branch is spelled --git-branch only.
GitBranchOpt = Annotated[
    str | None,
    typer.Option(
        "--git-branch",
        help="Commit on NAME (created from HEAD, or the current branch).",
    ),
]
MessageOpt = Annotated[
    str | None, typer.Option("--message", help="The commit message's first line.")
]
VerifyOpt = Annotated[
    bool | None,
    typer.Option(
        "--verify/--no-verify",
        help="Check upstream that every branch the change makes a stage build exists "
        "(default: [tool.olx.verify] on-write).",
        show_default=False,
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Bypass the guards (--verify) with a warning.")
]
BaseOpt = Annotated[
    str | None,
    typer.Option(
        "--base",
        help="Start the new branch from REF instead of HEAD.",
        autocompletion=completion.complete_git_ref,
    ),
]
PushOpt = Annotated[
    bool,
    typer.Option(
        "--push", help="Push the branch to [tool.olx] remote (default: origin)."
    ),
]
PrOpt = Annotated[
    bool,
    typer.Option("--pr", help="Push, then open a pull request with gh (GitHub CLI)."),
]

# The exit code when the reader of stdout went away (``olx history | head -1``): what
# a shell reports for a process that SIGPIPE ended (128 + 13), as git log's in the
# same pipe. olx catches the broken pipe instead of dying of the signal, so that a
# write in progress is never cut short by its output.
PIPE_CLOSED = 141


# What a write command plans: a function of a workspace (olx.edit.change.Workspace)
# that returns its change.
Plan = Callable[..., Any]
# Where a runbook step's planned write goes instead of being run: the plan and the
# write options the step was given (which a step may not have).
Capture = Callable[[Plan, list[str]], None]


class Session:
    """One run of olx: the words typed (recorded in a commit body) and the target,
    resolved on first use and then kept. A runbook's steps share the plan's.

    A plain slotted class, not a dataclass: a dataclass costs a code generation when
    its module loads (about 0.3 ms), on every command, and a session is only ever
    made and read.
    """

    __slots__ = ("target", "words")

    def __init__(
        self, words: list[str] | None = None, target: "Target | None" = None
    ) -> None:
        # The exact command line without ``olx`` (set by :func:`main`); None when the
        # app was called another way (typer's CliRunner): then rebuilt from the
        # parameters.
        self.words = words
        self.target = target

    def __repr__(self) -> str:
        return f"Session(words={self.words!r}, target={self.target!r})"


@dataclass(frozen=True)
class Options:
    """What the global options chose, carried in typer's context (``ctx.obj``) to
    every command of the run."""

    repo: str | None
    types: str | None
    matrix: str | None
    json: bool
    session: Session = field(default_factory=Session)
    # Set while ``olx plan`` parses a step with its command's own parser: the step's
    # planned write goes here (see :func:`write`).
    capture: Capture | None = None

    def target(self) -> "Target":
        """The target repository, found once per run; a write that was killed there
        is finished or undone first (olx.repo.journal), and said so on stderr."""
        if self.session.target is None:
            from olx.repo import journal
            from olx.repo.targets import discover

            target = discover(self.repo, self.types, self.matrix)
            done = journal.recover_if_needed(target.root)
            if done:
                print(journal.describe(done), file=sys.stderr)
            self.session.target = target
        return self.session.target


def _version(value: bool) -> None:
    if value:
        print(f"olx {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo", help="Target repository (default: $OLX_REPO or git top-level)."
        ),
    ] = None,
    types: Annotated[
        str | None, typer.Option("--types", help="types.py, relative to the repo.")
    ] = None,
    matrix: Annotated[
        str | None,
        typer.Option("--matrix", help="version_matrix.py, relative to the repo."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON object on stdout.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """olx: promote, add, clone and retire Open edX releases in a version matrix, safely."""
    if isinstance(ctx.obj, Options):
        return  # a runbook step (olx plan): the plan's own target and options
    # main() hands the run's Session in; another caller (CliRunner) none.
    session = ctx.obj if isinstance(ctx.obj, Session) else Session()
    ctx.obj = Options(repo, types, matrix, json_out, session)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def report_error(exc: OlxError, as_json: bool) -> None:
    """One line on stderr (or, with --json, the error object on stdout: message, hint,
    exit code and kind); another program's output (a failing hook's) follows the
    line, indented."""
    if as_json:
        message = exc.message + (f"\n{exc.details}" if exc.details else "")
        emit_json(
            {
                "error": message,
                "hint": exc.hint,
                "exit_code": exc.exit_code,
                "kind": exc.kind,
                **exc.json_fields(),
            }
        )
        return
    line = f"olx: error: {exc.message}"
    if exc.hint:
        line += f" (hint: {exc.hint})"
    print(one_line(line), file=sys.stderr)
    for detail in (exc.details or "").splitlines():
        print(f"  | {detail}", file=sys.stderr)


def one_line(text: str) -> str:
    """``text`` with line breaks and other invisible characters (control, zero-width,
    bidi) escaped as Python would show them: an error that echoes what a user typed
    stays one line, and shows a look-alike name for what it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def internal_error(exc: BaseException) -> OlxError:
    return InternalError(
        f"internal error: {type(exc).__name__}: {exc}",
        "please report it; OLX_DEBUG=1 shows the traceback",
    )


def handled(func: Callable[..., None]) -> Callable[..., None]:
    """Map olx's exceptions to their exit codes inside the command, so that every
    caller (the console script, typer's CliRunner) sees the same behaviour."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = kwargs.get("ctx")
        as_json = bool(kwargs.get("json_out")) or bool(
            ctx and isinstance(ctx.obj, Options) and ctx.obj.json
        )
        try:
            func(*args, **kwargs)
        except OlxError as exc:
            report_error(exc, as_json)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            closed_pipe()
        except KeyboardInterrupt:
            # A write in progress has been rolled back by then.
            print("olx: interrupted", file=sys.stderr)
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get("OLX_DEBUG") or hasattr(exc, "format_message"):
                raise  # debugging, or a usage error typer reports itself
            # Writes happen last, after verification: a crash before them wrote nothing.
            report_error(internal_error(exc), as_json)
            raise typer.Exit(3) from None

    return wrapper


def command_line(ctx: typer.Context) -> str:
    """The command line for the commit body, as anyone could re-run it in the
    target repository (see :mod:`olx.cli.cmdline`)."""
    from olx.cli import cmdline

    opts: Options = ctx.obj
    words = opts.session.words
    if words is None:  # called without main() (a test runner): rebuilt
        words = cmdline.parsed_words(ctx)
    return cmdline.recorded(list(words), opts.target().root)


def write(
    ctx: typer.Context,
    plan: Callable[..., Any],
    *,
    dry_run: bool,
    no_commit: bool,
    branch: str | None,
    message: str | None,
    json_out: bool,
    verify: bool | None = None,
    force: bool = False,
    base: str | None = None,
    push: bool = False,
    pr: bool = False,
) -> None:
    """Run a planned write in the chosen mode and render its outcome.

    Inside ``olx plan`` the command has only parsed a runbook step: the planned write
    goes to the runbook instead (``Options.capture``). A step's ``--force`` is its
    own guards' (promote's); the plan verifies once, for all its steps.
    """
    opts: Options = ctx.obj
    if opts.capture is not None:
        used = [
            name
            for name, value in (
                ("--dry-run", dry_run),
                ("--no-commit", no_commit),
                ("--branch/--git-branch", branch),
                ("--message", message),
                ("--json", json_out),
                ("--verify/--no-verify", verify is not None),
                ("--base", base),
                ("--push", push),
                ("--pr", pr),
            )
            if value
        ]
        opts.capture(plan, used)
        return
    from olx.repo.apply import Publish, execute

    target = opts.target()
    outcome = execute(
        target,
        plan,
        dry_run=dry_run,
        no_commit=no_commit,
        branch=branch,
        message=message,
        command_line=lambda: command_line(ctx),  # built only for a commit
        verify=verify,
        force=force,
        publish=Publish(base, push or pr, pr),
    )
    if opts.json or json_out:
        emit_json(outcome.to_json())
        return
    from olx.cli import outcome_text

    out, err = outcome_text.outcome_lines(outcome)
    outcome_text.emit(err, sys.stderr)
    outcome_text.emit(out, sys.stdout)


def write_command(
    git_branch_only: bool = False,
) -> Callable[[Callable[..., Callable[..., Any]]], Callable[..., None]]:
    """Give a write command the options of every write and run what it plans.

    The decorated function parses its own arguments and returns the plan (a function of
    a workspace); the wrapper adds ``--dry-run``, ``--no-commit``, ``--branch`` (only
    ``--git-branch`` with ``git_branch_only``, for commands whose own ``--branch`` is a
    release's or an entry's branch), ``--message``, ``--base``, ``--push``, ``--pr``
    and ``--json`` to its signature, as typer reads it, ``--verify/--no-verify`` and
    ``--force`` (a command with guards of its own declares ``force`` itself: one
    ``--force`` bypasses its guards and verification), and hands the plan to
    :func:`write`.
    """
    options = [
        ("dry_run", DryRun, False),
        ("no_commit", NoCommit, False),
        ("branch", GitBranchOpt if git_branch_only else BranchOpt, None),
        ("message", MessageOpt, None),
        ("base", BaseOpt, None),
        ("push", PushOpt, False),
        ("pr", PrOpt, False),
        ("json_out", JsonFlag, False),
        ("verify", VerifyOpt, None),
        ("force", ForceOpt, False),
    ]

    def decorate(func: Callable[..., Callable[..., Any]]) -> Callable[..., None]:
        signature = inspect.signature(func)
        own = set(signature.parameters)
        extra = [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a
            )
            for name, a, d in options
            if name not in own
        ]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            chosen: dict[str, Any] = {
                name: kwargs.get(name, default)
                if name in own
                else kwargs.pop(name, default)
                for name, _, default in options
            }
            ctx: Any = kwargs.get("ctx", args[0] if args else None)
            write(ctx, func(*args, **kwargs), **chosen)

        # inspect (and so typer) reads __signature__, which typeshed does not declare
        # on functions.
        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), *extra]
        )
        wrapper.__annotations__ = {
            **func.__annotations__,
            **{p.name: p.annotation for p in extra},
            "return": None,
        }
        return wrapper

    return decorate


def closed_pipe() -> NoReturn:
    """The reader of stdout went away: stop quietly with :data:`PIPE_CLOSED`.

    stdout is pointed at /dev/null first, so that the interpreter's last flush of
    what is still buffered cannot fail (and print a traceback) again.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(PIPE_CLOSED)


def _fail(exc: OlxError, as_json: bool) -> NoReturn:
    try:
        report_error(exc, as_json)
    except BrokenPipeError:
        closed_pipe()
    sys.exit(exc.exit_code)


def run() -> NoReturn:
    """The ``olx`` console script and ``python -m olx``: :func:`main` in a process that
    exits after one command.

    The cycle collector stays out of it. One command makes little cyclic garbage, but
    importing typer and libcst leaves some 50,000 objects that the collector scans
    again and again while they load, and in several full passes (6-15 ms each) at
    interpreter shutdown; freezing them first skips those. Measured on a promote dry
    run: about 8 ms and 24 ms of about 240. :func:`main` itself leaves the collector
    alone, for callers in a longer-lived process (the tests).
    """
    gc.disable()
    try:
        main()
    finally:
        gc.freeze()


def main(argv: list[str] | None = None) -> NoReturn:
    """Runs the app on ``argv`` (default: the command line) and turns olx errors into
    exit codes."""
    _main(list(sys.argv[1:] if argv is None else argv))


@functools.cache
def _valued_global_options() -> frozenset[str]:
    """The global options that take a value (``--repo PATH``): built from the app's
    callback once per process, though the console script asks twice (which module
    to load, which command to build)."""
    import typer.main

    callback = app.registered_callback.callback if app.registered_callback else None
    params, _, _ = typer.main.get_params_convertors_ctx_param_name_from_function(
        callback
    )
    return frozenset(
        opt
        for p in params
        if isinstance(p, typer.core.TyperOption) and not p.is_flag
        for opt in p.opts
    )


def command_word(args: list[str]) -> str | None:
    """The command ``args`` name: the first word that is neither a global option nor
    the value of one; None where there is none (bare ``olx``, ``olx --help``)."""
    valued = _valued_global_options()
    words = iter(args)
    for word in words:
        if word == "--":
            return next(words, None)
        if not word.startswith("-"):
            return word
        if word in valued:
            next(words, None)  # its value
    return None


def lean_app(args: list[str]) -> typer.Typer:
    """``app`` with only the command ``args`` name. typer builds the click parameters
    of every registered command on each run (about 8 ms for 23 commands), and a run
    needs one. Without a command word (``olx --help``), under shell completion, or
    for a word that names no command (the closest-name suggestion), the whole app."""
    if "_OLX_COMPLETE" in os.environ:
        return app
    word = command_word(args)
    if word is None:
        return app
    import copy

    for info in app.registered_commands:
        function = info.callback.__name__ if info.callback else ""
        name = info.name or function.lower().replace("_", "-")
        if name == word:
            lean = copy.copy(app)
            lean.registered_commands = [info]
            return lean
    return app


def _main(args: list[str]) -> NoReturn:
    as_json = "--json" in args
    try:
        try:
            code = lean_app(args)(
                args=args,
                prog_name="olx",
                standalone_mode=False,
                obj=Session(words=list(args)),
            )
        except BrokenPipeError:
            closed_pipe()
    except typer.Exit as exc:  # closed_pipe outside a command
        code = exc.exit_code
    except OlxError as exc:
        _fail(exc, as_json)
    except (KeyboardInterrupt, typer.Abort):
        # click turns Ctrl-C into Abort; any write in progress was rolled back.
        print("olx: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click/typer usage errors carry their own exit code
        if type(exc).__name__ == "NoArgsIsHelpError":
            # Bare ``olx``: the help is on stdout by now.
            _fail(
                UsageError(
                    "no command given",
                    "the commands are listed above; olx COMMAND --help tells more",
                ),
                as_json,
            )
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            message = exc.format_message() or f"usage error ({type(exc).__name__})"
            _fail(UsageError(message, "see olx --help"), as_json)
        if os.environ.get("OLX_DEBUG"):
            raise
        _fail(internal_error(exc), as_json)
    sys.exit(code if isinstance(code, int) else 0)
