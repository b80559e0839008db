"""Time to quality: training time each family's default recipe needs to reach a Fréchet distance, beside the
reference-style loop a user copying a PyTorch-GAN or pytorch-generative-model-collections script would run.

For every family, two arms train on MNIST, one after the other (ganzoo first):

* **ganzoo**: the family's default recipe through the real engine (:class:`ganzoo.engine.Engine`, no run
  folder): its preset nets, the dataset resident on the device, fused Adam, ``train.threads`` auto;
* **reference**: the same family's nets at the reference widths of ``MODELS.md`` (convolutional nets at
  ``width=64``, channels 256-128-64; the MLP presets already are the reference sizes), fed as the scripts feed
  them (torchvision ``datasets.MNIST`` with per-sample transforms in a ``DataLoader``, latents built in numpy
  every step: :func:`speed.reference_feed`), optimisers built with torch's defaults, torch's default thread
  count, the family's learning rates and batch size.

Both arms are measured on the same grid of *training* time (the clock stops while evaluating): FD by
:func:`ganzoo.metrics.evaluate` (the ``ganzoo eval`` number) of the untrained nets, then every
``--eval-seconds``; an arm stops at ``FD <= --target-fd`` or after ``--budget-minutes`` of training.
``--write-docs`` merges the finished families into ``time_to_quality.json`` (after each family) and writes
``time_to_quality.md`` into ``--docs``; for the repository's own docs it also adds the page to mkdocs.yml's
nav. Ctrl-C or SIGTERM stops the benchmark; the families finished before it are kept.

Examples (from the repository root)::

    python benchmarks/time_to_quality.py --write-docs                     # the published page (~1 h)
    python benchmarks/time_to_quality.py --families dcgan --budget-minutes 4
    python benchmarks/time_to_quality.py --report-only                    # rewrite the page from the JSON
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speed  # noqa: E402  (the reference feeding, the nets and the machine line are shared with it)

from ganzoo.devices import busy_cores  # noqa: E402

ROOT = speed.ROOT
DEFAULT_DATA_DIR = speed.DEFAULT_DATA_DIR
DEFAULT_FAMILIES = "gan,dcgan,cgan,wgan-gp"
ARMS = ("ganzoo", "reference")
#: The reference scripts' convolutional width: MODELS.md's DCGAN G is z -> 256*7*7 -> 128 -> 64 -> 1.
REFERENCE_WIDTH = 64
#: Generator steps for the ganzoo arm: the time budget ends the run long before.
UNBOUNDED_STEPS = 10**9
NAV_LINE = "  - Time to quality: benchmarks/time_to_quality.md"
SPEED_NAV = "benchmarks/speed.md"

#: ``model -> metrics`` (at least ``fd``): how an arm is evaluated; the default calls ganzoo.metrics.evaluate.
Evaluator = Callable[[Any], dict[str, float]]


class Interrupted(Exception):
    """Ctrl-C or SIGTERM during the benchmark."""


class _ArmDone(Exception):
    """Raised from the engine's callback to end the ganzoo arm at the target or the budget."""


class _Signals:
    """SIGINT/SIGTERM set ``stop`` (the engine installs its own handlers while it runs); a second one
    interrupts at once."""

    def __init__(self) -> None:
        self.stop: str | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    @contextlib.contextmanager
    def installed(self):
        """These handlers again for a while (inside the engine's run, which installs its own)."""
        old = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)

    def _handle(self, signum, frame) -> None:
        if self.stop is not None:
            raise KeyboardInterrupt
        self.stop = signal.Signals(signum).name

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def machine_line(device: str) -> str:
    """CPU model (or GPU), cores and torch version (speed.py's line without the thread count)."""
    return speed.machine(device).rsplit(", ", 1)[0]


def default_threads() -> int:
    """Torch's own default: ``OMP_NUM_THREADS`` when set, else one thread per core, what the scripts get."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    return int(env) if env.isdigit() and int(env) > 0 else os.cpu_count() or 1


# -- the clock and the stop rule ---------------------------------------------------------------------------
class Schedule:
    """One arm's grid: training seconds (the clock paused while evaluating), an evaluation at 0 s and then
    every ``every`` seconds of training, a stop at ``fd <= target`` or at ``budget`` seconds."""

    def __init__(
        self, evaluate: Evaluator, every: float, budget: float, target: float, label: str, sync: Callable
    ) -> None:
        self.evaluate, self.every, self.budget, self.target = evaluate, every, budget, target
        self.label, self.sync = label, sync
        self.curve: list[dict[str, Any]] = []
        self.reached: float | None = None
        self.floor: float | None = None
        self.eval_seconds = 0.0
        self._next, self._t0, self._paused = every, 0.0, 0.0

    def start(self) -> None:
        self._t0, self._paused = time.perf_counter(), 0.0

    def elapsed(self) -> float:
        return time.perf_counter() - self._t0 - self._paused

    def due(self) -> bool:
        """Whether a grid point (or the end of the budget) has passed: time to :meth:`measure`."""
        t = self.elapsed()
        return t >= self._next or t >= self.budget

    def measure(self, model, steps: int, images: int) -> bool:
        """Evaluate now, the clock paused; True when the target is reached or the budget spent."""
        self.sync()
        t = self.elapsed()
        t0 = time.perf_counter()
        metrics = self.evaluate(model)
        spent = time.perf_counter() - t0
        self._paused += spent
        self.eval_seconds += spent
        fd = float(metrics["fd"])
        if self.floor is None and "fd_floor" in metrics:
            self.floor = float(metrics["fd_floor"])
        at = 0.0 if not self.curve else min(self.every * math.floor(t / self.every + 1e-9), self.budget)
        self.curve.append({"at": at, "seconds": round(t, 2), "steps": steps, "images": images, "fd": fd})
        print(f"  [{self.label}] {t:7.1f} s  step {steps:6d}  FD {fd:8.2f}  (eval {spent:.1f} s)", flush=True)
        while self._next <= t:
            self._next += self.every
        if math.isfinite(fd) and fd <= self.target:
            self.reached = t
            return True
        return t >= self.budget

    def result(self) -> dict[str, Any]:
        last = self.curve[-1]
        trained = last["seconds"]
        return {
            "curve": self.curve,
            "time_to_target": None if self.reached is None else round(self.reached, 2),
            "final_fd": last["fd"],
            "best_fd": min(p["fd"] for p in self.curve),
            "steps": last["steps"],
            "images": last["images"],
            "train_seconds": trained,
            "img_per_s": round(last["images"] / trained, 1) if trained > 0 else None,
            "eval_seconds": round(self.eval_seconds, 1),
        }


# -- the two arms ------------------------------------------------------------------------------------------
def arm_spec(family: str, dataset: str, reference: bool):
    """The family's default recipe (ganzoo) or the same at the reference widths (reference), with no sample
    sheets or checkpoints and, unless its learning rates decay over a set length, no end but the budget."""
    from ganzoo.api import resolve_run

    overrides: dict[str, dict[str, Any]] = {
        "train": {"sample_every": 0, "checkpoint_every": 0, "eval_every": 0}
    }
    if reference:
        base = resolve_run(family, dataset=dataset)
        for role in ("generator", "discriminator"):
            if "width" in base.parts[role].params:
                overrides[role] = {"width": REFERENCE_WIDTH}
    spec = resolve_run(family, dataset=dataset, overrides=overrides)
    if spec.train["lr_decay"] == "none":
        spec.train["steps"] = UNBOUNDED_STEPS
    return spec


def nets_of(spec) -> str:
    out = []
    for role in ("generator", "discriminator"):
        ch = spec.parts[role]
        shown = {k: v for k, v in ch.params.items() if k in ("width", "hidden")}
        out.append(f"{role[0].upper()} {ch.component.name} " + " ".join(f"{k}={v}" for k, v in shown.items()))
    return ", ".join(out)


def run_ganzoo(spec, data, device: str, schedule: Schedule, seed: int, sigs: _Signals) -> dict[str, Any]:
    """The default recipe through the engine; the schedule ends it from the engine's step callback."""
    from ganzoo.engine import Engine, TrainingInterrupted

    engine = Engine(spec, data=data, run_dir=None, device=device, seed=seed, quiet=True)

    def at_step(eng, step, line) -> None:
        if not schedule.due():
            return
        with sigs.installed():  # a stop asked for while evaluating reaches this benchmark, not the engine
            done = schedule.measure(eng.model, step, eng.batcher.images_seen)
        if sigs.stop:
            raise Interrupted(sigs.stop)
        if done:
            raise _ArmDone

    engine.callbacks.append(at_step)
    schedule.start()
    if not schedule.measure(engine.model, 0, 0):
        if sigs.stop:
            raise Interrupted(sigs.stop)
        try:
            engine.run()
        except _ArmDone:
            pass
        except TrainingInterrupted as exc:
            raise Interrupted(str(exc)) from None
        else:  # a recipe with its own length ended before the budget
            if schedule.curve[-1]["steps"] != engine.step:
                schedule.measure(engine.model, engine.step, engine.batcher.images_seen)
    threads = engine.config["run"].get("threads")
    return {"threads": threads, "optimizer": "Adam (fused)" if _adam(spec) else "RMSprop"}


def _adam(spec) -> bool:
    return spec.parts["trainer"].params.get("optimizer", "adam") == "adam"


def run_reference(spec, data, reference, device: str, schedule: Schedule, seed: int, sigs) -> dict[str, Any]:
    """The reference-style loop: speed.py's nets and hand-written step with torch-default optimisers, fed
    by :func:`speed.reference_feed`, at torch's default thread count."""
    import torch

    bench = speed.Bench(data, torch.device(device), reference, steps=0, warmup=0)
    model, step = speed._nets(spec, bench, seed, scripts_optim=True)
    feed = speed.reference_feed(reference, model.latent, spec.train["batch_size"], bench.device, seed)
    next_batch, next_latent, seen = feed
    before, threads = torch.get_num_threads(), default_threads()
    torch.set_num_threads(threads)
    try:
        schedule.start()
        done, steps = schedule.measure(model, 0, 0), 0
        while not done:
            step(next_batch, next_latent)
            steps += 1
            if sigs.stop:
                raise Interrupted(sigs.stop)
            done = schedule.due() and schedule.measure(model, steps, seen[0])
    finally:
        torch.set_num_threads(before)
    return {"threads": threads, "optimizer": "Adam (torch defaults)" if _adam(spec) else "RMSprop"}


def run_family(family: str, args: argparse.Namespace, evaluate: Evaluator, sigs: _Signals) -> dict[str, Any]:
    """Both arms of one family, ganzoo first; the family's entry of the JSON."""
    import torch

    from ganzoo.engine import load_data

    device = torch.device(args.device)

    def sync() -> None:
        speed.sync(device)

    entry: dict[str, Any] = {
        "family": family,
        "dataset": args.dataset,
        "target_fd": args.target_fd,
        "eval_every_s": args.eval_seconds,
        "budget_s": args.budget_minutes * 60,
        "samples": args.samples,
        "seed": args.seed,
        "device": args.device,
        "machine": machine_line(args.device),
        "cores": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": speed.git_commit(),
        "arms": {},
    }
    data = load_data(arm_spec(family, args.dataset, False), args.data_dir, download=False)
    ref_data = speed.reference_dataset(args.data_dir, None if args.dataset == "mnist" else data)
    for arm in ARMS:
        spec = arm_spec(family, args.dataset, reference=arm == "reference")
        label = f"{family} {arm}"
        schedule = Schedule(
            evaluate, args.eval_seconds, args.budget_minutes * 60, args.target_fd, label, sync
        )
        before, busy = speed.load1(), busy_cores()
        print(f"[{label}] {nets_of(spec)}; {entry['machine']}; load (1 min) {before}", flush=True)
        if arm == "ganzoo":
            info = run_ganzoo(spec, data, args.device, schedule, args.seed, sigs)
        else:
            info = run_reference(spec, data, ref_data, args.device, schedule, args.seed, sigs)
        after = speed.load1()
        res = {"nets": nets_of(spec), "batch_size": spec.train["batch_size"], **info, **schedule.result()}
        res.update(load_before=before, load_after=after, busy_before=busy)
        entry["arms"][arm] = res
        entry.setdefault("fd_floor", schedule.floor)
        print(
            f"[{label}] {_reach(res, entry)}; final FD {res['final_fd']:.2f} after {res['steps']} steps, "
            f"{res['threads']} threads; load (1 min) {after}",
            flush=True,
        )
    return entry


# -- the report --------------------------------------------------------------------------------------------
def _secs(s: float) -> str:
    return f"{s / 60:.1f} min" if s >= 90 else f"{s:.0f} s" if s >= 10 or s == 0 else f"{s:.1f} s"


def _reach(arm: dict[str, Any], entry: dict[str, Any]) -> str:
    t = arm["time_to_target"]
    if t is None:
        return f"not reached in {entry['budget_s'] / 60:g} min"
    return _secs(t)


def ratio(entry: dict[str, Any]) -> str:
    """Reference time ÷ ganzoo time to the target; a bound when only one arm reached it."""
    g, r = (entry["arms"].get(a, {}).get("time_to_target") for a in ARMS)
    budget = entry["budget_s"]
    if g is not None and r is not None:
        return f"{r / g:.1f}×" if g > 0 else "—"
    if g is not None and g > 0:
        return f"> {budget / g:.1f}×"
    if r is not None:
        return f"< {r / budget:.2f}×"
    return "—"


def summary(entries: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| family | target FD | ganzoo: time to target | reference: time to target | reference ÷ ganzoo | "
        "ganzoo final FD (steps) | reference final FD (steps) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in entries:
        cells = []
        for arm in ARMS:
            a = e["arms"].get(arm)
            cells.append("—" if a is None else _reach(a, e))
        finals = []
        for arm in ARMS:
            a = e["arms"].get(arm)
            finals.append("—" if a is None else f"{a['final_fd']:.1f} ({a['steps']:,})")
        lines.append(
            f"| {e['family']} | ≤ {e['target_fd']:g} | {cells[0]} | {cells[1]} | **{ratio(e)}** | "
            f"{finals[0]} | {finals[1]} |"
        )
    return lines


def curve_table(e: dict[str, Any]) -> list[str]:
    """Both arms' FD on the shared grid of training time (steps in brackets)."""
    rows: dict[float, dict[str, str]] = {}
    for arm in ARMS:
        for p in (e["arms"].get(arm) or {}).get("curve", []):
            rows.setdefault(p["at"], {})[arm] = f"{p['fd']:.1f} ({p['steps']:,})"
    lines = ["| training time | ganzoo FD (steps) | reference FD (steps) |", "| ---: | ---: | ---: |"]
    for at in sorted(rows):
        lines.append(f"| {_secs(at)} | {rows[at].get('ganzoo', '')} | {rows[at].get('reference', '')} |")
    return lines


def runs_table(entries: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| family | arm | nets | optimiser | threads | batch | train img/s | eval time | load before → after "
        "| date | commit |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for e in entries:
        for arm in ARMS:
            a = e["arms"].get(arm)
            if a is None:
                continue
            rate = "—" if a["img_per_s"] is None else f"{a['img_per_s']:.0f}"
            lines.append(
                f"| {e['family']} | {arm} | {a['nets']} | {a['optimizer']} | {a['threads']} | "
                f"{a['batch_size']} | {rate} | {_secs(a['eval_seconds'])} | "
                f"{a['load_before']:.2f} → {a['load_after']:.2f} | {e['date']} | `{e['commit'] or '?'}` |"
            )
    return lines


SETTINGS = ("dataset", "target_fd", "eval_every_s", "budget_s", "samples", "device")


def render(raw: dict[str, Any]) -> str:
    entries = list(raw["families"].values())
    if not entries:
        return "# Time to quality\n\nNo runs yet: `python benchmarks/time_to_quality.py --write-docs`.\n"
    machines = sorted({e["machine"] for e in entries})
    e0 = entries[0]
    same = all(all(e[k] == e0[k] for k in SETTINGS) for e in entries)
    floors = sorted({round(e["fd_floor"], 1) for e in entries if e.get("fd_floor") is not None})
    arms = [(e, a) for e in entries for a in e["arms"].values()]
    # the lagging load average also counts the benchmark's own previous arm: judge by the tasks that were
    # runnable when each arm started (recorded since the runs table's numbers proved misleading)
    loaded = any(a.get("busy_before", 0) > 0.5 * (e.get("cores") or 1) for e, a in arms)
    counted = all("busy_before" in a for _, a in arms)
    data = (
        "real MNIST"
        if e0["dataset"] == "mnist"
        else f"the `{e0['dataset']}` dataset (not MNIST: a smoke run)"
    )
    lines = [
        "# Time to quality",
        "",
        "How much training time each family's default recipe needs on this machine before its samples reach a "
        "stated Fréchet distance, beside the loop a user gets by copying a PyTorch-GAN or "
        "pytorch-generative-model-collections script. Measured by `benchmarks/time_to_quality.py`; reproduce "
        "with `python benchmarks/time_to_quality.py --write-docs` (options: `--families`, `--target-fd`, "
        "`--eval-seconds`, `--budget-minutes`, `--samples`).",
        "",
        "Machine" + ("s" if len(machines) > 1 else "") + ": " + "; ".join(f"`{m}`" for m in machines) + ".",
        "",
        "- **Metric**: FD in the feature space of ganzoo's MNIST classifier (`ganzoo.metrics.evaluate`, the "
        f"number `ganzoo eval` prints) of {e0['samples']:,} samples against the 10,000 test images"
        + (
            f"; as many real training images score {' / '.join(map(str, floors))} (the floor)"
            if floors
            else ""
        )
        + ". Conditional families are asked for balanced labels. With fewer samples FD reads higher than on "
        "the [quality page](quality.md) (10,000 samples).",
        f"- **Grid**: both arms train on {data}, evaluated at 0 s (untrained) and then every "
        f"{e0['eval_every_s']:g} s of *training* time (the clock stops while evaluating); an arm stops at "
        f"FD ≤ {e0['target_fd']:g} or after {e0['budget_s'] / 60:g} min of training. A time to target is "
        "the first grid point at or under the target, so it is a multiple of the grid step (plus the last "
        "step's fraction)." + ("" if same else " **Settings differ between families**: see the JSON."),
        "- **ganzoo**: the family's default recipe through the training engine (`ganzoo train` without a run "
        "folder): preset nets, the uint8 dataset resident on the device and batches gathered in one vectorised "
        "step, fused Adam, `train.threads` auto (the cores not held by other runnable tasks when the run starts).",
        "- **reference**: the same family's nets at the reference widths of the design notes (convolutional "
        f"nets at width {REFERENCE_WIDTH}: G channels 256-128-64, as the scripts' DCGAN; the MLP presets "
        "already are the scripts' sizes), fed as the scripts feed them: `datasets.MNIST` with per-sample "
        "`Compose([Resize(28), ToTensor(), Normalize([0.5], [0.5])])` in a `DataLoader(batch_size, "
        "shuffle=True)`, noise and labels built in numpy every step, `torch.optim.Adam(params, lr, betas)` "
        "with torch's defaults, torch's default thread count (one per core). Learning rates, betas, D steps "
        "and batch size are the family's, as in the scripts.",
        "- The arms run one after the other, ganzoo first; the 1-minute load average before and after each is "
        "in the runs table (it lags by about a minute, so it also counts the benchmark's own previous arm)"
        + (
            " — **the machine was shared with other work during some arms**: other tasks held cores when they "
            "started, so times are longer than on a quiet machine."
            if loaded
            else "; no other task held a core when any arm started."
            if counted
            else "."
        ),
        "",
        "## Summary",
        "",
        *summary(entries),
        "",
        "*reference ÷ ganzoo*: how many times longer the reference loop trained to reach the target; a bound "
        "(> or <) when only one arm reached it within the budget.",
        "",
        "## Curves",
        "",
    ]
    for e in entries:
        lines += [f"### {e['family']}", "", *curve_table(e), ""]
    lines += ["## Runs", "", *runs_table(entries), ""]
    return "\n".join(lines)


def print_report(raw: dict[str, Any]) -> None:
    print("\n".join(summary(list(raw["families"].values()))), flush=True)


def merged(store: Path, new: dict[str, dict[str, Any]], order: list[str]) -> dict[str, Any]:
    """The stored families with ``new`` replacing theirs; the benchmark's families first, in their order."""
    old = json.loads(store.read_text())["families"] if store.is_file() else {}
    fams = {**old, **new}
    rank = {f: i for i, f in enumerate(order + list(speed.FAMILY_ORDER))}
    return {"families": {f: fams[f] for f in sorted(fams, key=lambda f: (rank.get(f, 99), f))}}


def ensure_nav(mkdocs: Path) -> bool:
    """Add the page to mkdocs.yml's nav after the speed page; True when the file changed."""
    from ganzoo.fsutil import atomic_text

    text = mkdocs.read_text()
    if "benchmarks/time_to_quality.md" in text:
        return False
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if SPEED_NAV in line), None)
    if at is None:
        print(f"note: no {SPEED_NAV} in {mkdocs}'s nav; add the page by hand", file=sys.stderr)
        return False
    lines.insert(at + 1, NAV_LINE + "\n")
    atomic_text(mkdocs, "".join(lines))
    return True


def write_docs(docs: Path, raw: dict[str, Any]) -> None:
    from ganzoo.fsutil import atomic_text

    atomic_text(docs / "time_to_quality.json", json.dumps(raw, indent=2) + "\n")
    atomic_text(docs / "time_to_quality.md", render(raw))
    if docs.resolve() == (ROOT / "docs" / "benchmarks").resolve() and ensure_nav(ROOT / "mkdocs.yml"):
        print("added the page to mkdocs.yml's nav")
    print(f"wrote {docs / 'time_to_quality.md'}", flush=True)


# -- main --------------------------------------------------------------------------------------------------
def default_evaluator(args: argparse.Namespace) -> Evaluator:
    from ganzoo.metrics import evaluate

    def run(model) -> dict[str, float]:
        return evaluate(
            model, n_samples=args.samples, data_dir=args.data_dir, device=args.device, seed=args.seed
        ).metrics

    return run


def main(argv: list[str] | None = None, evaluate: Evaluator | None = None) -> int:
    """Run the benchmark (``evaluate`` replaces the FD evaluation, for tests); 130 when interrupted."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--families", default=DEFAULT_FAMILIES, help=f"comma-separated (default: {DEFAULT_FAMILIES})"
    )
    p.add_argument("--dataset", default="mnist", help="an image dataset of 1×28×28 (default: mnist)")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="MNIST in torchvision's layout")
    p.add_argument("--target-fd", type=float, default=20.0, help="stop an arm at this FD (default: 20)")
    p.add_argument("--eval-seconds", type=float, default=60.0, help="training seconds between evaluations")
    p.add_argument("--budget-minutes", type=float, default=8.0, help="training minutes per arm at most")
    p.add_argument("--samples", type=int, default=2000, help="samples per evaluation (default: 2000)")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--write-docs", action="store_true", help="write time_to_quality.md/.json into --docs")
    p.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks", help="where the page goes")
    p.add_argument("--report-only", action="store_true", help="only rewrite the page from the JSON")
    args = p.parse_args(argv)
    store = args.docs / "time_to_quality.json"
    if args.report_only:
        if not store.is_file():
            p.error(f"{store} does not exist; run the benchmark with --write-docs first")
        raw = json.loads(store.read_text())
        write_docs(args.docs, raw)
        return 0
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    if args.eval_seconds <= 0 or args.budget_minutes <= 0 or args.samples < 2:
        p.error("--eval-seconds and --budget-minutes must be positive and --samples at least 2")

    from ganzoo.devices import resolve_device
    from ganzoo.errors import GanzooError
    from ganzoo.registry import get_registry

    known = [c.name for c in get_registry().list(kind="family")]
    unknown = [f for f in families if f not in known]
    if unknown:
        p.error(f"unknown families: {', '.join(unknown)} (known: {', '.join(known)})")
    try:
        args.device = resolve_device(args.device)
    except GanzooError as exc:
        p.error(str(exc))
    evaluate = evaluate or default_evaluator(args)
    print(f"machine: {machine_line(args.device)}; load (1 min) {speed.load1()}", flush=True)
    done: dict[str, dict[str, Any]] = {}
    status = 0
    with _Signals() as sigs:
        try:
            for fam in families:
                done[fam] = run_family(fam, args, evaluate, sigs)
                if args.write_docs:  # after each family: an interrupted run keeps the finished ones
                    write_docs(args.docs, merged(store, {fam: done[fam]}, families))
        except (Interrupted, KeyboardInterrupt) as exc:
            print(
                f"\ninterrupted ({exc or 'Ctrl-C'}): stopped; {len(done)} families finished", file=sys.stderr
            )
            status = 130
    if done:
        print_report({"families": done})
    return status


if __name__ == "__main__":
    sys.exit(main())
