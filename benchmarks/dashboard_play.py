"""Dashboard play speed in a real browser: lesson time against headless, and steps per second.

Starts ``mtor-sim dashboard`` on a free port and drives Debian's Chromium with Playwright:

* each chosen lesson is answered and run to its explanation in the browser, and the same
  lesson is built, stepped to its end and explained headless in this process; printed: both
  times and their ratio (target: browser <= 1.5 x headless; the browser's time runs from the
  click on 'Run the experiment' to the explanation shown, see :data:`WATCH`), the start-up
  apart (browser: from the click to the run drawn at 0 h; headless: building the run; both
  build the same models), and the CPU seconds each took (headless: this process; browser:
  the dashboard server's process, and Chromium's with Playwright's driver). On a shared
  machine the wall-time ratio follows the load (a busier machine slows the browser path
  more: two processes need the CPU), the CPU ratio does not; a short lesson is run
  ``--repeat`` times, alternating headless and browser, and the median ratio reported;
* Explore, culture 100 x 100 (2,000 cells seeded), speed "medium (6 steps/s)": model steps per
  second the page's clock shows over ``--seconds`` of play (target: >= 5).

    python benchmarks/dashboard_play.py [--lessons all | 01_rapalogs_cytostatic,...]
                                        [--max-headless 60] [--repeat 3]
                                        [--seconds 8 | --no-steps]

``--lessons all`` takes every packaged lesson. Before a lesson runs, its headless time is
estimated from its first steps (build plus ``PROBE_S`` seconds of stepping, extrapolated to
its length); a lesson estimated above ``--max-headless`` seconds is listed as skipped, not run
(on the shared machine a multi-minute lesson must not be started by accident). The default
lessons are the two that run in seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
TISSUE = "width=100;height=100;initial_cells=2000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtor_abm.experiments", "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/"},
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return proc, url
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise SystemExit("error: the dashboard server did not start") from None
            time.sleep(0.3)


def hours(page) -> float:
    text = page.locator(".mtor-time").first.inner_text()
    return float(re.search(r"time: ([\d.]+) h", text).group(1))


def cpu_s(pids) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def descendants(root: int, skip: int) -> list[int]:
    """Processes started under ``root`` (this benchmark: Playwright's driver and Chromium),
    leaving out ``skip`` (the server); not other users' Chromiums on a shared machine."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, frontier = [], [root]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier and p != skip]
        out += kids
        frontier = kids
    return out


WATCH = """() => {
  const m = (window.__mtorBench = {});
  document.addEventListener("click", () => { m.clicked ??= performance.now(); }, true);
  const seen = () => {
    const now = performance.now();
    const time = document.querySelector(".mtor-time");
    if (time && m.drawn === undefined) { m.drawn = now; }
    const heads = document.querySelectorAll(".mtor-md h3");
    if (m.explained === undefined
        && [...heads].some((h) => h.textContent.startsWith("What happened"))) {
      m.explained = now;
    }
  };
  new MutationObserver(seen).observe(document.body, {childList: true, subtree: true,
                                                     characterData: true});
}"""
"""Stamps (the page's clock, ms) of the run click, the run first drawn (at 0 h) and the
explanation shown, taken by a MutationObserver: Playwright's own waiting
(``locator.wait_for``) re-runs its text search every animation frame, which costs Chromium
~0.1 of a core on an empty page and more on the dashboard, CPU that a classroom browser does
not spend and that on a 2-core machine came out of the server's stepping."""


def browser_lesson_s(browser, url: str, lesson, server_pid: int) -> dict[str, float]:
    """Seconds from 'Run the experiment' to the run drawn at 0 h (``drawn``: building it and
    the first draw) and to the explanation shown (``wall``), and the CPU seconds the server
    and Chromium used meanwhile."""
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{url}?mode=Lessons&lesson={lesson.name}")
        page.get_by_text("Predict first").first.wait_for(timeout=60_000)
        page.get_by_text(lesson.choices[0], exact=True).first.click()
        page.evaluate(WATCH)
        chromium = descendants(os.getpid(), skip=server_pid)
        c0, b0 = cpu_s([server_pid]), cpu_s(chromium)
        page.get_by_role("button", name=re.compile("Run the experiment", re.I)).click()
        page.wait_for_function(
            "() => window.__mtorBench.explained !== undefined", polling=500, timeout=3_600_000
        )
        server, chrome = cpu_s([server_pid]) - c0, cpu_s(chromium) - b0
        m = page.evaluate("() => window.__mtorBench")
        since = {k: (m[k] - m["clicked"]) / 1e3 for k in ("drawn", "explained")}
        return {**since, "wall": since["explained"], "server_cpu": server, "chromium_cpu": chrome}
    finally:
        page.close()


SHORT_S = 15.0
"""A lesson estimated to run under this many seconds headless is run ``--repeat`` times: on
the shared machine a 2 s lesson's ratio moves by +-0.3 with the load of the moment."""
PROBE_S = 3.0
"""Seconds of stepping from which a lesson's headless time is estimated."""


def estimated_headless_s(lesson) -> float:
    """The lesson's headless time estimated from its build and its first ``PROBE_S`` seconds
    of steps (step cost taken as constant: a growing tumor makes it low, a transplant whose
    first days cost most makes it high: 61 s estimated for a 23 s lesson)."""
    from mtor_abm.visualization.dashboard.lesson_run import build_run, lesson_hours

    t0 = time.perf_counter()
    run = build_run(lesson)
    built = time.perf_counter() - t0
    total = round((lesson_hours(lesson) - run.hours) / run.dt_h)
    done, t1 = 0, time.perf_counter()
    while done < total and time.perf_counter() - t1 < PROBE_S:
        run.step(1)
        done += 1
    per_step = (time.perf_counter() - t1) / max(done, 1)
    return built + per_step * total


def headless_lesson_s(lesson) -> dict[str, float]:
    """Seconds to build the lesson's run (``built``) and to run and explain it (``wall``, from
    the start), measured as the page does it (build, step to the end, explain), and the CPU
    seconds of this process meanwhile."""
    from mtor_abm.visualization.dashboard.lesson_run import build_run, explain, lesson_hours

    t0, c0 = time.perf_counter(), time.process_time()
    run = build_run(lesson)
    built = time.perf_counter() - t0
    run.step(round((lesson_hours(lesson) - run.hours) / run.dt_h))
    explain(lesson, run)
    return {"built": built, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}


SHOWN_HOURS = """() => {
  const m = /time: ([\\d.]+) h/.exec(document.querySelector(".mtor-time").textContent);
  return m ? parseFloat(m[1]) : null;
}"""
"""The model time the page shows (its ``.mtor-time`` line), h."""


def steps_per_second(browser, url: str, seconds: float) -> tuple[float, float]:
    """Model steps per second the page shows while playing the culture at 'medium (6
    steps/s)', from the clock shown 2 h in to ``seconds`` later, or to 60 h (the culture's
    run stops at its 72 h: past it the clock would stand still); returns the rate and the
    seconds it was measured over. The page is read every 0.5 s with one small script."""
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{url}?mode=Explore&scenario=culture&seed=0&params={quote(TISSUE)}")
        page.locator(".mtor-time").first.wait_for(timeout=60_000)
        page.get_by_role("button", name=re.compile("^play$", re.I)).first.click()
        h0 = page.evaluate(SHOWN_HOURS)
        while h0 < 2:  # the first frames (steady state reached)
            time.sleep(0.05)
            h0 = page.evaluate(SHOWN_HOURS)
        t0 = time.perf_counter()
        h1, t1 = h0, t0
        while time.perf_counter() - t0 < seconds and h1 < 60:
            time.sleep(0.5)
            h1, t1 = page.evaluate(SHOWN_HOURS), time.perf_counter()
        return (h1 - h0) / (t1 - t0), t1 - t0  # culture: 1 h per step
    finally:
        page.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--lessons",
        default="01_rapalogs_cytostatic,02_akt_feedback",
        help="comma-separated lesson names, or 'all' (every packaged lesson)",
    )
    p.add_argument(
        "--max-headless",
        type=float,
        default=60.0,
        help="skip a lesson whose estimated headless run exceeds this many seconds",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help=f"runs of a lesson estimated under {SHORT_S:g} s headless (median reported)",
    )
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--no-steps", action="store_true", help="skip the steps-per-second check")
    args = p.parse_args()  # fmt: skip
    from playwright.sync_api import sync_playwright

    from mtor_abm.visualization.dashboard.lessons import LESSON_DIR, load_lesson

    names = (
        sorted(path.stem for path in LESSON_DIR.glob("*.toml"))
        if args.lessons == "all"
        else [n for n in args.lessons.split(",") if n]
    )
    lessons = []  # (lesson, how many times it is run)
    for name in names:
        lesson = load_lesson(LESSON_DIR / f"{name}.toml")
        estimate = estimated_headless_s(lesson)
        if estimate > args.max_headless:
            print(f"lesson {name:28s} skipped: headless run estimated at {estimate:.0f} s "
                  f"(> --max-headless {args.max_headless:g})", flush=True)  # fmt: skip
        else:
            lessons.append((lesson, args.repeat if estimate < SHORT_S else 1))
    proc, url = start_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            for lesson, repeats in lessons:
                runs = []
                for _ in range(repeats):  # alternated: a change of load hits both sides
                    head = headless_lesson_s(lesson)
                    runs.append((head, browser_lesson_s(browser, url, lesson, proc.pid)))
                runs.sort(key=lambda hp: hp[1]["wall"] / hp[0]["wall"])
                head, page = runs[len(runs) // 2]  # the median ratio's run
                ratio = page["wall"] / head["wall"]
                rest = (page["wall"] - page["drawn"]) / (head["wall"] - head["built"])
                each = ", ".join(f"{p['wall'] / h['wall']:.2f}" for h, p in runs)
                print(
                    f"lesson {lesson.name:28s} headless {head['wall']:6.1f} s  browser "
                    f"{page['wall']:6.1f} s  ratio {ratio:4.2f} (target <= 1.5)"
                    + (f"; median of {repeats} runs: {each}" if repeats > 1 else "")
                    + f"\n  start-up: browser {page['drawn']:.1f} s from the click to the run "
                    f"drawn at 0 h, headless {head['built']:.1f} s to build it; after it: "
                    f"browser {page['wall'] - page['drawn']:.1f} s, headless "
                    f"{head['wall'] - head['built']:.1f} s (ratio {rest:.2f})\n"
                    f"  CPU: headless {head['cpu']:.1f} s, browser: server "
                    f"{page['server_cpu']:.1f} s (ratio {page['server_cpu'] / head['cpu']:.2f}) "
                    f"+ Chromium {page['chromium_cpu']:.1f} s; load average "
                    f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
                    flush=True,
                )
            if not args.no_steps:
                rate, over = steps_per_second(browser, url, args.seconds)
                print(
                    f"culture 100x100 at 'medium (6 steps/s)': {rate:5.2f} steps/s shown "
                    f"over {over:.1f} s (target >= 5); load average {os.getloadavg()[0]:.1f} "
                    f"on {os.cpu_count()} cores",
                    flush=True,
                )
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
