"""Side-by-side comparisons: one family's combinations (e.g. its nets with several losses) × seeds on one
dataset, each run trained, evaluated, and summarised as mean ± spread in one table, as in "Are GANs
Created Equal?" (Lucic et al. 2018). ``ganzoo compare`` is the command line of :func:`run_comparison`.

The output folder holds one run folder per combination and seed (``<combination>-seed<S>/``, each with a
``comparison-run.json`` record once trained and evaluated), ``sheets/<combination>.png`` (one row or
panel per seed), ``comparison.json`` and ``comparison.md``. Running the same comparison again into the
same folder keeps finished runs and resumes an interrupted one from its checkpoint.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.capabilities import IMAGES
from ganzoo.config import RunSpec
from ganzoo.devices import resolve_device
from ganzoo.errors import ConfigError, TrainingError

if TYPE_CHECKING:
    from ganzoo.model import GanModel

#: The parts a comparison can vary, in the order they appear in a combination's name.
AXES = ("generator", "discriminator", "loss", "trainer")
#: The metrics the table shows (every metric is kept in comparison.json), by data kind.
TABLE_METRICS = {"images": ("fd", "classifier_score"), "points": ("mode_score", "modes", "hq")}
#: Metrics where lower is better; higher is better for every other one.
LOWER_IS_BETTER = frozenset({"fd", "fd_floor", "max_class_share", "mode_kl"})
RECORD_NAME = "comparison-run.json"
SESSIONS_NAME = "comparison-sessions.json"  # the steps at which resumed sessions of a run started
SHEET_SAMPLES = 8  # images per seed row of a sheet
SHEET_POINTS = 2000  # points per seed panel of a sheet


@dataclass
class Combination:
    """One combination of a comparison: the parts it swaps, its overrides and its resolved spec."""

    name: str
    parts: dict[str, str | None]
    overrides: dict[str, dict[str, Any]]
    spec: RunSpec


@dataclass
class RunRecord:
    """One trained and evaluated run (``status`` "ok") or one that diverged (``status`` "diverged")."""

    combination: str
    seed: int
    run_dir: str
    status: str
    steps: int = 0
    seconds: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    main: str | None = None
    higher_is_better: bool | None = None
    n_samples: int = 0
    resumed: bool = False
    error: str | None = None


@dataclass
class Comparison:
    """What :func:`run_comparison` leaves: the runs, one summary row per combination, the files."""

    report: dict[str, Any]
    runs: list[RunRecord]
    out: Path

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One row per combination: ``name``, ``runs``, ``diverged``, ``metrics`` {name: {mean, std}}, ..."""
        return self.report["rows"]


def parse_list(text: str | Sequence[str] | None, what: str) -> list[str]:
    """``"bce,hinge"`` (or a list) -> ``["bce", "hinge"]``, without repeats; empty for None."""
    if text is None:
        return []
    items = text.split(",") if isinstance(text, str) else list(text)
    out = list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))
    if not out:
        raise ConfigError(f"{what} is empty; give comma-separated names (e.g. bce,hinge)")
    return out


def parse_seeds(text: str | Sequence[int]) -> list[int]:
    """``"0,1,2"`` (or a list) -> ``[0, 1, 2]``; refuses repeats, negatives and non-numbers."""
    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        seeds = [int(str(s).strip()) for s in items if str(s).strip()]
    except ValueError:
        raise ConfigError(f"--seeds takes comma-separated whole numbers (e.g. 0,1,2), got {text!r}") from None
    if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
        raise ConfigError(f"--seeds needs distinct non-negative whole numbers (e.g. 0,1,2), got {text!r}")
    return seeds


def plan_comparison(
    family: str,
    *,
    dataset: str,
    generators: Sequence[str] | None = None,
    discriminators: Sequence[str] | None = None,
    losses: Sequence[str] | None = None,
    trainers: Sequence[str] | None = None,
    overrides: dict[str, dict[str, Any]] | list[str] | None = None,
    steps: int | None = None,
    batch_size: int | None = None,
) -> list[Combination]:
    """Resolve every combination (the product of the given lists) before anything runs.

    A ``generator/discriminator/loss/trainer`` override applies to the combinations whose component
    has that setting (``loss.gp_weight`` reaches only the losses that take it); one that no combination
    takes, an incompatible combination or a bad value is refused with the resolver's message.
    """
    import difflib
    import itertools

    from ganzoo.api import merge_overrides, resolve_run

    if steps is not None and steps < 1:
        raise ConfigError(f"--steps must be at least 1, got {steps}")
    merged = merge_overrides(overrides, steps=steps, batch_size=batch_size)
    lists = {"generator": generators, "discriminator": discriminators, "loss": losses, "trainer": trainers}
    axes = [role for role in AXES if lists[role]]
    common = {k: v for k, v in merged.items() if k not in AXES}
    combos: list[Combination] = []
    known: dict[str, dict[str, set[str]]] = {role: {} for role in AXES}
    for values in itertools.product(*(lists[role] for role in axes)):
        parts: dict[str, str | None] = {role: None for role in AXES}
        parts.update(zip(axes, values))
        name = "_".join([family, *values])
        try:
            base = resolve_run(family, dataset=dataset, overrides=common, **parts)
        except ConfigError as exc:
            raise ConfigError(f"combination {name}: {exc}") from None
        mine = {k: dict(v) for k, v in common.items()}
        for role in AXES:
            comp = base.parts[role].component
            names = known[role].setdefault(comp.name, {p.name for p in comp.params})
            keep = {k: v for k, v in merged.get(role, {}).items() if k in names}
            if keep:
                mine[role] = keep
        try:
            spec = resolve_run(family, dataset=dataset, overrides=mine, **parts)
        except ConfigError as exc:
            raise ConfigError(f"combination {name}: {exc}") from None
        combos.append(Combination(name, parts, mine, spec))
    for role in AXES:
        every = set().union(*known[role].values())
        for key in merged.get(role, {}):
            if key not in every:
                close = difflib.get_close_matches(key, sorted(every), n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(f'{role}.{c}' for c in close)}?" if close else ""
                have = "; ".join(f"{n}: {', '.join(sorted(v)) or 'none'}" for n, v in known[role].items())
                raise ConfigError(
                    f"no combination has the setting {role}.{key}{hint} ({role} settings of {have})"
                )
    return combos


def machine(device: str) -> dict[str, Any]:
    """The machine a comparison ran on, for its report."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cuda = device != "cpu" and torch.cuda.is_available()
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "device": "cuda" if cuda else "cpu",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str))


def _check_same_run(run_dir: Path, spec: RunSpec, seed: int) -> None:
    """Refuse to continue a run folder made with other settings than the planned run."""
    cfg = json.loads((run_dir / "config.json").read_text())
    planned = spec.to_json()
    recorded = {
        "components": {
            r: {"name": c["name"], "params": c["params"]} for r, c in (cfg.get("components") or {}).items()
        },
        "dataset": {"name": cfg["dataset"]["name"], "params": cfg["dataset"]["params"]},
        "train": {k: v for k, v in cfg["train"].items() if k not in ("seed", "steps_done")},
        "seed": cfg["train"].get("seed"),
    }
    wanted = {
        "components": {
            r: {"name": c["name"], "params": c["params"]} for r, c in planned["components"].items()
        },
        "dataset": {"name": planned["dataset"]["name"], "params": planned["dataset"]["params"]},
        "train": planned["train"],
        "seed": seed,
    }
    if _jsonable(recorded) != _jsonable(wanted):
        raise ConfigError(
            f"{run_dir} holds a run made with other settings than this comparison plans; "
            "choose another --out (or remove that folder)"
        )


def _mark_resume(run_dir: Path) -> None:
    """Note the step a resumed session starts from (its latest checkpoint), for :func:`_session_seconds`."""
    from ganzoo.checkpoint import latest_checkpoint
    from ganzoo.fsutil import atomic_text

    ckpt = latest_checkpoint(run_dir)
    path = run_dir / SESSIONS_NAME
    starts = json.loads(path.read_text()) if path.is_file() else []
    starts.append(int(ckpt.name.split("-")[-1]) if ckpt is not None else 0)
    atomic_text(path, json.dumps(starts) + "\n")


def _session_seconds(run_dir: Path) -> float:
    """Training time of a resumed run: the sum over its sessions of each one's clock (``time`` in
    metrics.jsonl restarts at every session) at its last logged step."""
    path, marks = run_dir / "metrics.jsonl", run_dir / SESSIONS_NAME
    starts = [0, *(json.loads(marks.read_text()) if marks.is_file() else [])]
    last: dict[int, float] = {}
    for line in path.read_text().splitlines() if path.is_file() else []:
        entry = json.loads(line) if line.strip() else {}
        if "time" in entry:  # evaluation lines carry no time
            session = max(i for i, start in enumerate(starts) if entry["step"] > start or i == 0)
            last[session] = max(last.get(session, 0.0), entry["time"])
    return round(sum(last.values()), 2)


def _write_record(record: RunRecord) -> None:
    from ganzoo.fsutil import atomic_text

    text = json.dumps(asdict(record), indent=2) + "\n"
    atomic_text(Path(record.run_dir) / RECORD_NAME, text)


def _one_run(
    combo: Combination,
    seed: int,
    run_dir: Path,
    *,
    data_dir: str | Path | None,
    download: bool,
    device: str,
    samples: int,
) -> RunRecord:
    """Train (or resume) and evaluate one run, or reuse its record from an earlier invocation."""
    from ganzoo.api import train
    from ganzoo.engine import TrainingInterrupted
    from ganzoo.metrics import evaluate
    from ganzoo.modelio import load

    record_path = run_dir / RECORD_NAME
    if (run_dir / "config.json").is_file():
        _check_same_run(run_dir, combo.spec, seed)
    old = RunRecord(**json.loads(record_path.read_text())) if record_path.is_file() else None
    if old is not None and (old.status == "diverged" or old.n_samples == samples):
        return old
    resumed = False
    try:
        if old is not None:  # trained before, evaluated on another number of samples
            model, steps, seconds, resumed = load(run_dir, device=device), old.steps, old.seconds, old.resumed
        else:
            resumed = (run_dir / "config.json").is_file()
            if resumed:
                _mark_resume(run_dir)
            kw: dict[str, Any] = (
                {"resume": run_dir}
                if resumed
                else {
                    "family": combo.spec.family,
                    "dataset": combo.spec.dataset.component.name,
                    "overrides": combo.overrides,
                    "seed": seed,
                    "out": run_dir,
                    **combo.parts,
                }
            )
            result = train(
                data_dir=data_dir, download=download, device=device, quiet=True, return_result=True, **kw
            )
            model, steps = result.model, result.steps
            seconds = _session_seconds(run_dir) if resumed else round(result.seconds, 2)
    except TrainingInterrupted as exc:
        raise TrainingInterrupted(
            f"{combo.name} seed {seed}: {str(exc).split(';')[0]}; run the same comparison again to continue"
        ) from None
    except TrainingError as exc:
        if "diverged" not in str(exc):  # not a result of the comparison: e.g. outputs that cannot be written
            raise
        record = RunRecord(combo.name, seed, str(run_dir), "diverged", error=str(exc), resumed=resumed)
        _write_record(record)
        return record
    result = evaluate(model, n_samples=samples, data_dir=data_dir, device=device, seed=0)
    record = RunRecord(
        combo.name,
        seed,
        str(run_dir),
        "ok",
        steps=steps,
        seconds=seconds,
        metrics=dict(result.metrics),
        main=result.main,
        higher_is_better=result.higher_is_better,
        n_samples=samples,
        resumed=resumed,
    )
    _write_record(record)
    return record


def _mean_std(values: list[float]) -> dict[str, float | None]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return {"mean": None, "std": None, "n": 0}
    mean = sum(finite) / len(finite)
    std = math.sqrt(sum((v - mean) ** 2 for v in finite) / (len(finite) - 1)) if len(finite) > 1 else None
    return {"mean": mean, "std": std, "n": len(finite)}


def _rows(combos: list[Combination], runs: list[RunRecord], seeds: list[int]) -> list[dict[str, Any]]:
    rows = []
    for c in combos:
        mine = [r for r in runs if r.combination == c.name]
        ok = [r for r in mine if r.status == "ok"]
        names = list(dict.fromkeys(k for r in ok for k in r.metrics))
        rows.append(
            {
                "name": c.name,
                "parts": {role: ch.component.name for role, ch in c.spec.parts.items()},
                "overrides": c.overrides,
                "seeds": seeds,
                "runs": len(mine),
                "ok": len(ok),
                "diverged": [r.seed for r in mine if r.status == "diverged"],
                "metrics": {k: _mean_std([r.metrics.get(k) for r in ok]) for k in names},
                "seconds": _mean_std([r.seconds for r in ok]),
                "sheet": f"sheets/{c.name}.png" if ok else None,
            }
        )
    return rows


def _fmt(stat: dict[str, Any]) -> str:
    if stat["mean"] is None:
        return "n/a"
    text = f"{stat['mean']:.4g}"
    return text if stat["std"] is None else f"{text} ± {stat['std']:.2g}"


def markdown(report: dict[str, Any]) -> str:
    """``comparison.md``: the budget, one table row per combination (mean ± std over seeds), the sheets."""
    b, m = report["budget"], report["budget"]["machine"]
    cols = list(report["columns"])
    arrows = {k: (" ↓" if k in LOWER_IS_BETTER else " ↑") for k in cols}
    main = report.get("main")
    best = None
    finite = [r for r in report["rows"] if main and r["metrics"].get(main, {}).get("mean") is not None]
    if finite:
        sign = -1 if main in LOWER_IS_BETTER else 1
        ranked = sorted(finite, key=lambda r: -sign * r["metrics"][main]["mean"])
        if len(ranked) == 1 or ranked[0]["metrics"][main]["mean"] != ranked[1]["metrics"][main]["mean"]:
            best = ranked[0]["name"]
    hw = m["gpu"] or f"{m['cpu']} ({m['cpu_count']} cores, {m['torch_threads']} torch threads)"
    lines = [
        f"# {report['family']} on {report['dataset']}: {len(report['rows'])} combinations × "
        f"{len(report['seeds'])} seeds",
        "",
        f"Budget: {b['steps']} steps at batch size {b['batch_size']} per run, {b['runs']} runs, "
        f"evaluated on {report['n_samples']} samples each; machine: {hw}, device {m['device']}, torch "
        f"{m['torch']}; wall time {b['wall_seconds'] / 60:.1f} min (training {b['train_seconds'] / 60:.1f} min).",
        "",
    ]
    if report.get("command"):
        lines += ["```bash", report["command"], "```", ""]
    lines += [
        f"Mean ± standard deviation over seeds {', '.join(map(str, report['seeds']))}"
        + (f"; **bold**: best mean {main}." if best else "."),
        "",
        "| combination | " + " | ".join(f"{k}{arrows[k]}" for k in cols) + " | train time (s) | runs |",
        "| --- | " + " | ".join("---:" for _ in cols) + " | ---: | --- |",
    ]
    for r in report["rows"]:
        name = f"**{r['name']}**" if r["name"] == best else r["name"]
        cells = [_fmt(r["metrics"].get(k, {"mean": None})) for k in cols]
        runs = f"{r['ok']}/{r['runs']}" + (
            f", diverged: seed {', '.join(map(str, r['diverged']))}" if r["diverged"] else ""
        )
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {_fmt(r['seconds'])} | {runs} |")
    lines += ["", "Parts of each combination:", ""]
    for r in report["rows"]:
        parts = ", ".join(f"{role} `{n}`" for role, n in r["parts"].items())
        sets = [f"`{s}.{k}={v}`" for s, kv in r["overrides"].items() if s != "train" for k, v in kv.items()]
        lines.append(f"- {r['name']}: {parts}" + (f"; {', '.join(sets)}" if sets else ""))
    if report.get("complete"):
        lines += [
            "",
            "## Samples",
            "",
            "One row (images) or panel (points) per seed, the same noise for every row.",
            "",
        ]
        for r in report["rows"]:
            shown = f"![{r['name']}]({r['sheet']})" if r["sheet"] else "(every seed diverged)"
            lines += [f"### {r['name']}", "", shown, ""]
    return "\n".join(lines).rstrip() + "\n"


def _write_report(out: Path, report: dict[str, Any]) -> None:
    from ganzoo.fsutil import atomic_text

    text = json.dumps(report, indent=2, default=str) + "\n"
    atomic_text(out / "comparison.json", text)
    md = markdown(report)
    atomic_text(out / "comparison.md", md)


def save_sheet(models: list[tuple[int, GanModel]], path: Path, *, title: str) -> Path:
    """One sheet for a combination: a row of images, or a scatter panel of points, per seed."""
    import torch

    from ganzoo.fsutil import atomic_write
    from ganzoo.images import save_grid

    first = models[0][1]
    if first.data.is_image:
        rows = []
        for _, model in models:
            labels = (
                torch.arange(SHEET_SAMPLES) % model.latent.num_classes if model.latent.conditional else None
            )
            rows.append(model.sample(SHEET_SAMPLES, labels=labels, seed=0))
        return save_grid(torch.cat(rows), path, nrow=SHEET_SAMPLES)
    from matplotlib.figure import Figure

    from ganzoo.critic_map import plane_bounds
    from ganzoo.registry import get_registry

    dataset = first.config["dataset"]
    impl = get_registry().get(dataset["name"], "dataset").load()
    real = impl.load("test", None, False, **dataset["params"]).x[:SHEET_POINTS].float()
    x0, x1, y0, y1 = plane_bounds(real)
    fig = Figure(figsize=(3.2 * len(models), 3.4), dpi=100)
    for i, (seed, model) in enumerate(models):
        pts = model.sample(SHEET_POINTS, seed=0)
        ax = fig.add_subplot(1, len(models), i + 1)
        ax.scatter(real[:, 0], real[:, 1], s=3, c="tab:gray", alpha=0.4)
        ax.scatter(pts[:, 0], pts[:, 1], s=3, c="tab:orange", alpha=0.7)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_title(f"seed {seed}", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))


def run_comparison(
    family: str,
    *,
    dataset: str,
    out: str | Path | None = None,
    data_dir: str | Path | None = None,
    download: bool = False,
    generators: Sequence[str] | str | None = None,
    discriminators: Sequence[str] | str | None = None,
    losses: Sequence[str] | str | None = None,
    trainers: Sequence[str] | str | None = None,
    seeds: Sequence[int] | str = (0, 1, 2),
    steps: int | None = None,
    batch_size: int | None = None,
    overrides: dict[str, dict[str, Any]] | list[str] | None = None,
    samples: int = 10_000,
    device: str = "auto",
    command: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Comparison:
    """Train and evaluate every combination × seed and write the comparison into ``out``.

    Combinations are ``family`` with each of the listed generators × discriminators × losses ×
    trainers (lists or comma-separated text); all are resolved before the first run starts. Each run
    trains with ``ganzoo.train`` into ``out/<combination>-seed<S>`` and is evaluated on ``samples``
    samples with :func:`ganzoo.metrics.evaluate`. A run that diverges counts as such in the table.
    ``command`` is recorded in the report; ``log`` gets one line per run.
    """

    from ganzoo.modelio import load

    if samples < 2:
        raise ConfigError(f"--samples must be at least 2, got {samples}")
    seed_list = parse_seeds(seeds)
    combos = plan_comparison(
        family,
        dataset=dataset,
        generators=parse_list(generators, "--generator"),
        discriminators=parse_list(discriminators, "--discriminator"),
        losses=parse_list(losses, "--loss"),
        trainers=parse_list(trainers, "--trainer"),
        overrides=overrides,
        steps=steps,
        batch_size=batch_size,
    )
    if out is None:
        out = Path("runs") / f"compare-{family}-{dataset}-{datetime.now():%Y%m%d-%H%M%S}"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    kind = "images" if IMAGES in combos[0].spec.dataset.component.provides else "points"
    device = resolve_device(device)
    log = log or (lambda line: None)
    start = time.perf_counter()
    total = len(combos) * len(seed_list)
    runs: list[RunRecord] = []
    spec0 = combos[0].spec.train
    report: dict[str, Any] = {
        "family": family,
        "dataset": dataset,
        "kind": kind,
        "seeds": seed_list,
        "n_samples": samples,
        "command": command,
        "columns": list(TABLE_METRICS[kind]),
        "main": None,
        "higher_is_better": {},
        "complete": False,
        "started": datetime.now().isoformat(timespec="seconds"),
    }

    def refresh(complete: bool) -> None:
        ok = [r for r in runs if r.status == "ok"]
        if ok:
            report["main"] = ok[0].main
            report["higher_is_better"] = {k: k not in LOWER_IS_BETTER for k in ok[0].metrics}
        report["rows"] = _rows(combos, runs, seed_list)
        report["runs"] = [asdict(r) for r in runs]
        report["complete"] = complete
        report["budget"] = {
            "steps": spec0["steps"] if not spec0["epochs"] else f"{spec0['epochs']} epochs",
            "batch_size": spec0["batch_size"],
            "runs": total,
            "wall_seconds": round(time.perf_counter() - start, 1),
            "train_seconds": round(sum(r.seconds for r in runs), 1),
            "machine": machine(device),
        }
        _write_report(out, report)

    for combo in combos:
        for seed in seed_list:
            run_dir = out / f"{combo.name}-seed{seed}"
            log(f"[{len(runs) + 1}/{total}] {combo.name} seed {seed} -> {run_dir}")
            record = _one_run(
                combo, seed, run_dir, data_dir=data_dir, download=download, device=device, samples=samples
            )
            runs.append(record)
            if record.status == "ok":
                log(f"    {record.main} {record.metrics[record.main]:.4g}, trained in {record.seconds:.1f} s")
            else:
                log(f"    diverged: {record.error}")
            refresh(False)
    for combo in combos:
        done = [(r.seed, load(r.run_dir)) for r in runs if r.combination == combo.name and r.status == "ok"]
        if done:
            save_sheet(done, out / "sheets" / f"{combo.name}.png", title=f"{combo.name} on {dataset}")
    refresh(True)
    return Comparison(report, runs, out)
