"""The ``mtor-sim`` command line (the README's "A short tour of the command line").

Bad input ends in one ``error: ...`` line on stderr and exit status 2; an internal failure in
exit status 1; ``--json`` prints exactly one JSON object on stdout.

This module is the entry point: it parses (:mod:`experiments.cli_parser`), dispatches to the
subcommand's handler (:mod:`experiments.cli_commands`, :mod:`experiments.cli_run`, and the
sweep, calibrate, report and dashboard modules) and turns errors into one line and an exit
status.
"""

from __future__ import annotations

import sys

from mtor_abm.model.errors import InputError, OutputError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


def one_line(text: str) -> str:
    """``text`` with control characters (newlines, carriage returns, ...) shown escaped.

    Error messages quote what the user typed; this keeps them on one line whatever was typed.
    """
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode()
        for ch in text.strip()
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``mtor-sim``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before the parser imports the scenarios (and Mesa)
        from mtor_abm.experiments.cli_help import version

        print(f"mtor-sim {version()}")
        return EXIT_OK
    from mtor_abm.experiments.lifecycle import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():  # kill / a scheduler's time limit: as Ctrl+C
            return _dispatch(argv)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERNAL


def _dispatch(argv: list[str]) -> int:
    """Parse ``argv`` and run its command; errors become one line and an exit status."""
    from mtor_abm.experiments.cli_commands import cmd_drugs, cmd_pathway, cmd_pk, cmd_scenarios
    from mtor_abm.experiments.cli_parser import build_parser
    from mtor_abm.experiments.cli_run import cmd_run

    try:
        args = build_parser().parse_args(argv)
        commands = {
            "scenarios": cmd_scenarios,
            "drugs": cmd_drugs,
            "pathway": cmd_pathway,
            "pk": cmd_pk,
        }
        if args.command == "run":
            return cmd_run(args, ["mtor-sim", *argv])
        if args.command == "sweep":
            if args.dry_run:
                from mtor_abm.experiments.spec import load_spec

                spec = load_spec(args.spec)
                swept = ", ".join(spec.axes + spec.regime_axes) or "nothing"
                print(f"{args.spec}: {spec.scenario}, {len(spec.runs)} runs (swept: {swept})")
                return EXIT_OK
            from mtor_abm.experiments.sweep import cmd_sweep

            return cmd_sweep(args)
        if args.command == "calibrate":
            from mtor_abm.experiments.calibrate import cmd_calibrate

            return cmd_calibrate(args)
        if args.command == "report":
            from mtor_abm.experiments.report import cmd_report

            return cmd_report(args)
        if args.command == "dashboard":
            from mtor_abm.visualization.dashboard.server import cmd_dashboard

            return cmd_dashboard(args)
        return commands[args.command](args)
    except InputError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_INTERNAL
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
