"""Benchmark the fair planner: speed, memory and scaling on large programs; quality on small ones.

    .venv/bin/python benchmarks/plan.py              # 1k, 5k, 10k pairs + 100 groups of 8, 26 weeks
    .venv/bin/python benchmarks/plan.py --quality 50 # and 50 small instances against the exact optimum
    .venv/bin/python benchmarks/plan.py --realistic 10 --sizes 0   # only realistic programs
    .venv/bin/python benchmarks/plan.py --cli 10000 --sizes 0      # a config file, through the CLI

--realistic N writes N realistic programs of each size (8, 20, 35, 50 people: seven time
zones, pairs, two overlapping circles with a quorum, phases; benchmarks/programs.py) and times
`rota plan` against `rota check-config` on the same file, each as a user runs it (a new
process; median of three), and compares the plan's worst burden with the integer-programming
optimum (proven where HiGHS proves it within its node limit) and with the relaxation's bound.

Each size runs in its own process so peak memory (max RSS) is that size's alone. Times are
also given as a ratio to a fixed calibration workload timed in the same run, because shared
machines are noisy: the ratio is what to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduling.model import (
    COST_UNITS_PER_HOUR2,
    Away,
    DayWindow,
    Person,
    ProgramSpec,
    Series,
)
from scheduling.weeks import CadenceSegment, occurrence_weeks

ZONES = [  # roughly where open-source contributors are, weighted by repetition
    "America/New_York", "America/New_York", "America/Chicago", "America/Los_Angeles",
    "America/Los_Angeles", "America/Sao_Paulo", "America/Mexico_City", "America/Bogota",
    "America/Santiago", "America/Toronto", "Europe/London", "Europe/London", "Europe/Berlin",
    "Europe/Berlin", "Europe/Paris", "Europe/Lisbon", "Europe/Warsaw", "Europe/Kyiv",
    "Africa/Lagos", "Africa/Nairobi", "Africa/Accra", "Asia/Kolkata", "Asia/Kolkata",
    "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Jakarta", "Asia/Shanghai",
    "Asia/Tokyo", "Asia/Singapore", "Asia/Jerusalem", "Asia/Dubai", "Australia/Sydney",
    "Australia/Adelaide", "Pacific/Auckland",
]  # fmt: skip
H = 60


def person(rng: random.Random, i: int) -> Person:
    zone = rng.choice(ZONES)
    pref = DayWindow(9 * H, 17 * H)
    avail = DayWindow(7 * H, 22 * H)
    if rng.random() < 0.2:
        start = rng.choice([7, 8, 10]) * H
        pref = DayWindow(start, start + 8 * H)
        avail = DayWindow(max(0, start - 2 * H), min(24 * H, start + 13 * H))
    workdays = frozenset({6, 0, 1, 2, 3}) if zone == "Asia/Jerusalem" else frozenset(range(5))
    away: tuple[Away, ...] = ()
    if rng.random() < 0.1:
        first = date(2026, 3, 2).toordinal() + rng.randrange(0, 170)
        away = (Away(date.fromordinal(first), date.fromordinal(first + 6)),)
    return Person(
        f"p{i}@bench.example", zone, pref, avail, workdays, away, 16 * COST_UNITS_PER_HOUR2
    )


def generate(pairs: int, groups: int, weeks: int = 26, seed: int = 7) -> ProgramSpec:
    """A program like a large real one: most mentors have one mentee, some two or three."""
    rng = random.Random(seed)
    people: list[Person] = []
    series: list[Series] = []
    calls = occurrence_weeks([CadenceSegment(0, weeks, 2)])
    reviews = occurrence_weeks([CadenceSegment(0, weeks, 4, 1)])
    circles = occurrence_weeks([CadenceSegment(0, weeks, 4, 2)])
    mentees: list[str] = []
    while len(mentees) < pairs:
        mentor = person(rng, len(people))
        people.append(mentor)
        for _ in range(rng.choices([1, 2, 3], weights=[70, 22, 8])[0]):
            if len(mentees) == pairs:
                break
            mentee = person(rng, len(people))
            people.append(mentee)
            mentees.append(mentee.email)
            a, b = mentor.email, mentee.email
            series.append(Series(f"call/{a}/{b}", "call", "c", (a, b), 30, calls, 2))
            series.append(Series(f"review/{a}/{b}", "review", "r", (a, b), 45, reviews, 2))
    pool = rng.sample(mentees, min(len(mentees), 8 * groups))  # each mentee in one circle at most
    for g in range(groups):
        members = tuple(pool[8 * g : 8 * g + 8])
        if len(members) < 8:
            break
        series.append(Series(f"group/circle-{g}", "group", f"Circle {g}", members, 60, circles, 5))
    return ProgramSpec("bench", "UTC", date(2026, 3, 2), weeks, tuple(people), tuple(series))


def calibrate() -> float:
    """Seconds for a fixed mix of Python and numpy work: the yardstick for this machine now."""
    import numpy as np

    t = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i % 7
    a = np.arange(3_000_000, dtype=np.int64)
    for _ in range(20):
        a = (a * 3 + 1) % 1_000_003
    return time.perf_counter() - t


def run_size(pairs: int, groups: int, workers: int) -> dict[str, object]:
    from scheduling.plan import plan_program

    spec = generate(pairs, groups)
    t = time.perf_counter()
    plan = plan_program(spec, workers=workers)
    elapsed = time.perf_counter() - t
    while multiprocessing.active_children():  # the pool's processes end on their own; their
        time.sleep(0.05)  # peak memory is counted once they have
    methods: dict[str, int] = {}
    for c in plan.components:
        methods[c.method] = methods.get(c.method, 0) + 1
    unsched = sum(o.unschedulable for occs in plan.occurrences.values() for o in occs)
    occurrences = sum(len(occs) for occs in plan.occurrences.values())
    return {
        "pairs": pairs,
        "groups": groups,
        "people": len(spec.people),
        "occurrences": occurrences,
        "unschedulable": unsched,
        "seconds": elapsed,
        "peak_mb": sum(
            resource.getrusage(who).ru_maxrss
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        / 1024,  # this process plus its largest worker: an upper bound on the total at any moment
        "components": len(plan.components),
        "largest_component": max(len(c.people) for c in plan.components),
        "methods": methods,
        "worst_burden_h2": max(plan.burden.values()) / COST_UNITS_PER_HOUR2,
    }


def small_instance(rng: random.Random) -> ProgramSpec:
    """A pair or a few (one mentor may have two mentees), maybe a circle, 4-10 weeks."""
    weeks = rng.randint(4, 10)
    people: list[Person] = []
    series: list[Series] = []
    calls = occurrence_weeks([CadenceSegment(0, weeks, 2)])
    reviews = occurrence_weeks([CadenceSegment(0, weeks, 4, 1)])
    for _ in range(rng.randint(1, 4)):
        if people and rng.random() < 0.3:
            mentor = rng.choice(people)
        else:
            mentor = person(rng, len(people))
            people.append(mentor)
        mentee = person(rng, len(people))
        people.append(mentee)
        a, b = mentor.email, mentee.email
        series.append(Series(f"call/{a}/{b}", "call", "c", (a, b), 30, calls, 2))
        series.append(Series(f"review/{a}/{b}", "review", "r", (a, b), 45, reviews, 2))
    if len(people) >= 4 and rng.random() < 0.5:
        members = tuple(rng.sample([p.email for p in people], min(len(people), rng.randint(3, 6))))
        circles = occurrence_weeks([CadenceSegment(0, weeks, 2, 1)])
        series.append(
            Series("group/c", "group", "C", members, 60, circles, max(2, len(members) - 2))
        )
    return ProgramSpec("q", "UTC", date(2026, 3, 2), weeks, tuple(people), tuple(series))


def quality(n: int, seed: int = 11) -> dict[str, float]:
    from scheduling.plan import plan_program

    rng = random.Random(seed)
    auto: list[float] = []
    heur: list[float] = []
    proven = nonzero = 0
    for _ in range(n):
        spec = small_instance(rng)
        exact = plan_program(spec, method="exact")
        if not all(c.optimal for c in exact.components):
            continue
        proven += 1
        best = max(exact.burden.values())
        if best == 0:
            auto.append(1.0)
            heur.append(1.0)
            continue
        nonzero += 1
        auto.append(max(plan_program(spec).burden.values()) / best)
        heur.append(max(plan_program(spec, method="heuristic").burden.values()) / best)
    return {
        "instances": n,
        "proven": proven,
        "nonzero": nonzero,
        "planner_mean": statistics.fmean(auto),
        "planner_worst": max(auto),
        "heuristic_mean": statistics.fmean(heur),
        "heuristic_worst": max(heur),
    }


def _median_seconds(args: list[str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def realistic_programs(n: int, sizes: tuple[int, ...] = (8, 20, 35, 50)) -> None:
    import tempfile

    from benchmarks.programs import realistic
    from scheduling.plan import lower_bound, plan_program
    from service.config.load import load_config
    from service.program import program_spec

    print(
        f"{'people':>6} {'seed':>4} {'check s':>8} {'plan s':>7} {'plan/check':>10} "
        f"{'worst h²':>9} {'optimum':>9} {'ratio':>6} {'proven':>6} {'vs bound':>8}"
    )
    ratios: dict[int, list[float]] = {}
    quality: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            for seed in range(n):
                path = Path(tmp) / f"r{size}_{seed}.toml"
                path.write_text(realistic(seed, size))
                rota = [sys.executable, "-m", "service.cli"]
                check = _median_seconds([*rota, "check-config", "-c", str(path)])
                plan_s = _median_seconds([*rota, "plan", "-c", str(path), "--format", "json"])
                ratios.setdefault(size, []).append(plan_s / check)
                spec = program_spec(load_config(path))
                ours = plan_program(spec)
                worst = max(ours.burden.values())
                exact = plan_program(spec, method="exact")
                best = max(exact.burden.values())
                proven = all(c.optimal for c in exact.components)
                ratio = worst / best if best else 1.0
                if proven:
                    quality.append(ratio)
                bound = lower_bound(spec)
                print(
                    f"{size:>6} {seed:>4} {check:>8.3f} {plan_s:>7.3f} {plan_s / check:>10.2f} "
                    f"{worst / COST_UNITS_PER_HOUR2:>9.2f} {best / COST_UNITS_PER_HOUR2:>9.2f} "
                    f"{ratio:>6.3f} {'yes' if proven else 'no':>6} "
                    f"{worst / bound if bound else 1.0:>8.3f}",
                    flush=True,
                )
    for size, r in ratios.items():
        print(
            f"{size} people: plan / check-config time, median {statistics.median(r):.2f}, "
            f"worst {max(r):.2f} over {len(r)} programs"
        )
    if quality:
        print(
            f"worst burden / proven optimum over {len(quality)} programs: mean "
            f"{statistics.fmean(quality):.4f}, worst {max(quality):.4f}, "
            f"over 1.05: {sum(q > 1.05 for q in quality)}"
        )


def cli_program(pairs: int) -> None:
    """`rota check-config` and `rota plan --format json` on a config file of `pairs` pairs and
    a circle per 100 pairs, each as a user runs it: wall time and peak memory of the command
    (its largest process)."""
    import tempfile
    from datetime import date as day

    from benchmarks.daemon import generate as generate_config

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.toml"
        program = generate_config(pairs, 26, day(2026, 3, 2))
        path.write_text(program.toml())
        rota = [sys.executable, "-m", "service.cli"]
        for what in (["check-config"], ["plan", "--format", "json"]):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t = time.perf_counter()
            with open(Path(tmp) / "out", "wb") as out:
                subprocess.run(
                    [*rota, what[0], "-c", str(path), *what[1:]],
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                    check=True,
                    cwd=tmp,
                )
            took = time.perf_counter() - t
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            size = (Path(tmp) / "out").stat().st_size
            print(
                f"rota {' '.join(what)} on {pairs} pairs ({path.stat().st_size / 1e6:.1f} MB "
                f"config): {took:.2f} s, peak {max(peak, before) / 1024:.0f} MB, "
                f"{size / 1e6:.1f} MB out"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument(
        "--quality", type=int, default=50, help="small instances vs exact (0: skip)"
    )
    parser.add_argument("--workers", default="1,2", help="process counts to compare")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--realistic", type=int, default=0, help="realistic programs per size (0: skip)"
    )
    parser.add_argument(
        "--cli", type=int, default=0, help="pairs in a config file timed through the CLI"
    )
    args = parser.parse_args()
    if args.cli:
        cli_program(args.cli)
        if args.sizes == "0":
            return
    if args.realistic:
        realistic_programs(args.realistic)
        if args.sizes == "0":
            return
    if args.one is not None:
        print(json.dumps(run_size(args.one, args.groups, int(args.workers))))
        return
    cal = calibrate()
    print(f"calibration workload: {cal:.2f} s (times are also given in these units)")
    print(
        f"{'pairs':>6} {'procs':>5} {'people':>7} {'occurrences':>11} {'seconds':>8} {'× calib':>8}"
        f" {'peak MB':>8} {'µs/occ':>7} {'largest':>7}  methods per component"
    )
    rows: dict[int, list[dict[str, object]]] = {}
    for workers in [int(x) for x in args.workers.split(",")]:
        for size in [int(x) for x in args.sizes.split(",")]:
            cmd = [
                sys.executable,
                __file__,
                "--one",
                str(size),
                "--groups",
                str(args.groups),
                "--workers",
                str(workers),
            ]
            r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
            rows.setdefault(workers, []).append(r)
            print(
                f"{r['pairs']:>6} {workers:>5} {r['people']:>7} {r['occurrences']:>11} {r['seconds']:>8.2f} "
                f"{r['seconds'] / cal:>8.2f} {r['peak_mb']:>8.0f} "
                f"{1e6 * r['seconds'] / r['occurrences']:>7.1f} {r['largest_component']:>7}  {r['methods']}"
            )
    for workers, series in rows.items():
        base = series[0]
        for r in series[1:]:
            print(
                f"scaling with {workers} process(es), {r['pairs']}/{base['pairs']} pairs: time "
                f"×{r['seconds'] / base['seconds']:.2f} for ×{r['occurrences'] / base['occurrences']:.2f} occurrences"
            )
    if len(rows) > 1:
        one, *more = list(rows)
        for workers in more:
            ratio = rows[one][-1]["seconds"] / rows[workers][-1]["seconds"]
            print(
                f"speed-up of {workers} processes over {one} at {rows[one][-1]['pairs']} pairs: ×{ratio:.2f}"
            )
    if args.quality:
        q = quality(args.quality)
        print(
            f"quality, {q['instances']} small instances ({q['proven']} with a proven MILP optimum, "
            f"{q['nonzero']} with a non-zero one): worst burden / optimum: planner mean "
            f"{q['planner_mean']:.4f}, worst {q['planner_worst']:.4f}; heuristic alone mean "
            f"{q['heuristic_mean']:.4f}, worst {q['heuristic_worst']:.4f}"
        )


if __name__ == "__main__":
    main()
