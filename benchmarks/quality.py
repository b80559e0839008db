"""Quality benchmark: train every family with its default recipe, measure it, publish the table.

Every family trains on real MNIST; every unconditional family also trains on the 2-D mixtures ``ring8`` and
``grid25``. Each run is measured with :func:`ganzoo.metrics.evaluate` (the same numbers as ``ganzoo eval``)
and compared with an untrained generator of the same family. Results accumulate in
``docs/benchmarks/quality.json`` (one entry per family and dataset, replaced when rerun), from which
``docs/benchmarks/quality.md`` and the sample sheets under ``docs/benchmarks/img/`` are written.

Examples (from the repository root)::

    python benchmarks/quality.py                                   # everything, each family's default steps
    python benchmarks/quality.py --families dcgan,wgan-gp --datasets ring8 --budget-minutes 5
    python benchmarks/quality.py --steps 20 --samples 500 --docs /tmp/smoke   # a smoke test
    python benchmarks/quality.py --report-only                     # rewrite the page from quality.json
    python benchmarks/quality.py --from-run runs/ebgan-mnist-...   # measure a run trained with the defaults
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data" / "mnist"
IMAGE_DATASETS = ("mnist",)
POINT_DATASETS = ("ring8", "grid25")
CALIBRATION_STEPS = 20
#: Table order: the families in the order of their papers' story; any others follow by name.
FAMILY_ORDER = ("gan", "dcgan", "cgan", "acgan", "infogan", "lapgan", "ebgan", "wgan", "wgan-gp")


# -- facts about the machine -------------------------------------------------------------------------------
def machine(device: str) -> str:
    """One line naming the CPU (or GPU), the core count and the torch version."""
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} (CPU)"


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return None
    return out.stdout.strip() or None


# -- planning ------------------------------------------------------------------------------------------
def plan(families: list[str], datasets: list[str]) -> list[tuple[str, str, str | None]]:
    """``(family, dataset, reason_to_skip)`` for every pair; conditional families skip the 2-D mixtures."""
    from ganzoo.api import resolve_run
    from ganzoo.errors import ConfigError

    out = []
    for ds in datasets:
        for fam in families:
            try:
                spec = resolve_run(fam, dataset=ds)
            except ConfigError as exc:
                out.append((fam, ds, str(exc)))
                continue
            conditional = any("labels" in ch.component.needs for ch in spec.parts.values())
            if ds in POINT_DATASETS and conditional:
                out.append((fam, ds, "conditional family: the 2-D benchmark is for unconditional families"))
            else:
                out.append((fam, ds, None))
    return out


def default_steps(family: str, dataset: str) -> int:
    from ganzoo.api import resolve_run

    return int(resolve_run(family, dataset=dataset).train["steps"])


def calibrated_steps(family: str, dataset: str, data_dir: Path | None, device: str, minutes: float) -> int:
    """Steps that fit in ``minutes``, from the speed of a short unsaved run."""
    import ganzoo

    rr = ganzoo.train(
        family,
        dataset=dataset,
        data_dir=data_dir,
        steps=CALIBRATION_STEPS,
        save=False,
        quiet=True,
        device=device,
        return_result=True,
    )
    per_step = rr.seconds / CALIBRATION_STEPS
    return max(1, int(minutes * 60 / max(per_step, 1e-6)))


# -- one run ---------------------------------------------------------------------------------------------
def sample_sheet(model: Any, dataset: str, path: Path, seed: int) -> None:
    """100 samples as a 10x10 grid (a column per label or code value), or 2,000 points over the real ones."""
    import torch

    from ganzoo.images import save_grid, save_scatter
    from ganzoo.registry import get_registry

    lat = model.latent
    if model.data.is_image:
        labels = torch.arange(100) % lat.num_classes if lat.conditional else None
        codes = None
        if lat.categorical:  # the first code varies along each row, any other codes stay at 0
            codes = torch.zeros(100, len(lat.categorical), dtype=torch.long)
            codes[:, 0] = torch.arange(100) % lat.categorical[0]
        save_grid(model.sample(100, labels=labels, codes=codes, seed=seed), path, nrow=10)
    else:
        real = get_registry().get(dataset, "dataset").load().load("test").x[:2000]
        save_scatter(
            model.sample(2000, seed=seed), path, real=real, title=f"{model.config.get('family')} on {dataset}"
        )


def run_one(family: str, dataset: str, args: argparse.Namespace) -> dict[str, Any]:
    import ganzoo

    data_dir = args.data_dir if dataset in IMAGE_DATASETS else None
    steps = args.steps or default_steps(family, dataset)
    budget = f"{steps} steps (family default)" if not args.steps else f"{steps} steps"
    if args.budget_minutes and not args.steps:
        steps = calibrated_steps(family, dataset, data_dir, args.device, args.budget_minutes)
        budget = f"{steps} steps ({args.budget_minutes:g} min budget)"
    run_dir = args.out / f"{family}-{dataset}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    overrides = [f"train.eval_every={args.eval_every}"] if args.eval_every else None
    print(f"[{family} on {dataset}] training {budget} into {run_dir}", flush=True)
    t0 = time.perf_counter()
    rr = ganzoo.train(
        family,
        dataset=dataset,
        data_dir=data_dir,
        steps=steps,
        out=run_dir,
        seed=args.seed,
        quiet=True,
        device=args.device,
        overrides=overrides,
        return_result=True,
    )
    wall = time.perf_counter() - t0
    return measure(run_dir, args, budget=budget, steps=rr.steps, seconds=rr.seconds, wall=wall)


#: Settings that do not change what a run learns (or are reported separately).
NOT_RECIPE = {"steps", "epochs", "log_every", "sample_every", "checkpoint_every", "eval_every", "threads"}
NOT_RECIPE |= {"seed", "steps_done"}


def recipe_changes(cfg: dict[str, Any]) -> list[str]:
    """``section.key=value`` for every setting of a saved run that differs from its family's defaults."""
    from ganzoo.api import resolve_run

    spec = resolve_run(cfg["family"], dataset=cfg["dataset"]["name"])
    changes = []
    for role, choice in spec.parts.items():
        saved = cfg["components"][role]
        if saved["name"] != choice.component.name:
            changes.append(f"{role}={saved['name']}")
            continue
        changes += [f"{role}.{k}={v}" for k, v in saved["params"].items() if choice.params.get(k) != v]
    changes += [
        f"train.{k}={v}" for k, v in cfg["train"].items() if k not in NOT_RECIPE and spec.train.get(k) != v
    ]
    return changes


def from_run(run_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Measure a run folder trained earlier (``ganzoo train``); refuse one whose recipe is not the default."""
    cfg = json.loads((run_dir / "config.json").read_text())
    changes = recipe_changes(cfg)
    if changes:
        raise SystemExit(f"{run_dir}: not the family's default recipe ({', '.join(changes)})")
    steps = int(cfg["train"]["steps_done"])
    seconds = float(cfg["run"]["seconds"])
    budget = f"{steps} steps (family defaults, trained by `ganzoo train` on {cfg['train']['threads'] or 'auto'} threads)"
    return measure(run_dir, args, budget=budget, steps=steps, seconds=seconds, wall=seconds)


def measure(
    run_dir: Path, args: argparse.Namespace, *, budget: str, steps: int, seconds: float, wall: float
) -> dict[str, Any]:
    """Evaluate the saved model of ``run_dir`` and an untrained one of its family; write its sample sheet."""
    import torch

    import ganzoo
    from ganzoo.commands.evaluate import write_metrics
    from ganzoo.devices import resolve_device
    from ganzoo.metrics import evaluate

    # the saved model (the best one with --eval-every)
    model = ganzoo.load(run_dir, device=resolve_device(args.device))
    family, dataset = model.config["family"], model.config["dataset"]["name"]
    data_dir = args.data_dir if dataset in IMAGE_DATASETS else None
    result = evaluate(
        model, n_samples=args.samples, data_dir=data_dir, device=args.device, seed=args.seed, quiet=False
    )
    write_metrics(run_dir / "model", result.summary())
    torch.manual_seed(args.seed)
    untrained = ganzoo.build(family, dataset=dataset, data_shape=model.data).to(model.device)
    untrained.config = {"family": family, "dataset": model.config.get("dataset")}
    base = evaluate(untrained, n_samples=args.samples, data_dir=data_dir, device=args.device, seed=args.seed)
    sheet = args.docs / "img" / f"{family}-{dataset}.png"
    sample_sheet(model, dataset, sheet, args.seed)
    print(
        f"[{family} on {dataset}] {result.main} = {result.value:.4g} (untrained {base.value:.4g}), "
        f"{seconds:.0f} s training",
        flush=True,
    )
    return {
        "family": family,
        "dataset": dataset,
        "steps": steps,
        "budget": budget,
        "batch_size": model.config.get("train", {}).get("batch_size"),
        "eval_every": model.config.get("train", {}).get("eval_every", 0),
        "best_step": _best_step(run_dir),
        "train_seconds": round(seconds, 1),
        "wall_seconds": round(wall, 1),
        "device": str(model.device),
        "machine": machine(str(model.device)),
        "result": result.to_json(),
        "untrained": base.to_json(),
        "sheet": str(sheet.relative_to(args.docs)),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "commit": git_commit(),
    }


def _best_step(run_dir: Path) -> int | None:
    path = run_dir / "best" / "step.txt"
    return int(path.read_text().strip()) if path.is_file() else None


# -- the page ----------------------------------------------------------------------------------------------
def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def _minutes(s: float) -> str:
    return f"{s / 60:.1f} min" if s >= 60 else f"{s:.0f} s"


TARGETS = (
    (
        "infogan",
        "mnist",
        "q_acc",
        ">=",
        0.95,
        "InfoGAN's Q head classifies real digits ≥ 95% (paper: 5% error)",
    ),
    ("cgan", "mnist", "label_acc", ">=", 0.97, "CGAN requested-label accuracy ≥ 97%"),
    ("acgan", "mnist", "label_acc", ">=", 0.97, "ACGAN requested-label accuracy ≥ 97%"),
    ("wgan-gp", "ring8", "modes", ">=", 8, "WGAN-GP covers 8 of 8 ring modes"),
    ("wgan-gp", "ring8", "hq", ">=", 0.9, "… with ≥ 90% high-quality samples"),
    ("wgan-gp", "grid25", "modes", ">=", 24, "WGAN-GP covers ≥ 24 of 25 grid modes"),
    ("wgan-gp", "grid25", "hq", ">=", 0.9, "… with ≥ 90% high-quality samples"),
)


def render(entries: list[dict[str, Any]], skipped: list[dict[str, str]]) -> str:
    images = [e for e in entries if e["dataset"] in IMAGE_DATASETS or "fd" in e["result"]["metrics"]]
    points = [e for e in entries if e not in images]
    machines = sorted({e["machine"] for e in entries})
    lines = [
        "# Quality benchmark",
        "",
        "Every family trained with its default recipe by `benchmarks/quality.py` (the public `ganzoo.train` API),",
        "then measured by `ganzoo.metrics.evaluate`, the code behind `ganzoo eval`. See",
        "[Evaluation](../evaluation.md) for how each metric is computed. Reproduce with",
        "`python benchmarks/quality.py` (options: `--families`, `--datasets`, `--steps`, `--budget-minutes`).",
        "",
        ("Machine" + ("s" if len(machines) > 1 else "") + ": " + "; ".join(f"`{m}`" for m in machines) + ".")
        if machines
        else "No runs yet.",
        "",
    ]
    if images:
        e0 = images[0]["result"]
        acc = e0["metrics"].get("classifier_acc")
        lines += [
            "## MNIST",
            "",
            f"Fréchet distance (FD) in the feature space of ganzoo's MNIST classifier (test accuracy {_pct(acc)}), "
            f"{e0['info'].get('n_samples')} samples against the 10,000 test images. The floor is the FD of as "
            "many real training images; *untrained* is the same family before its first step. Classifier score "
            "in the style of the Inception Score (at most 10; real test images score the value in brackets).",
            "",
            "| family | steps | train time | device | FD ↓ | floor | untrained | classifier score | "
            "label / code acc | classes covered |",
            "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for e in images:
            m, b = e["result"]["metrics"], e["untrained"]["metrics"]
            acc = (
                f"label {_pct(m['label_acc'])}"
                if "label_acc" in m
                else f"Q {_pct(m['q_acc'])}, code {_pct(m['code_acc'])}"
                if "q_acc" in m
                else f"code {_pct(m['code_acc'])}"
                if "code_acc" in m
                else "—"
            )
            lines.append(
                f"| {e['family']} | {e['steps']} | {_minutes(e['train_seconds'])} | {e['device']} | "
                f"**{_num(m['fd'])}** | {_num(m['fd_floor'])} | {_num(b['fd'])} | "
                f"{_num(m['classifier_score'])} ({_num(m['classifier_score_real'])}) | {acc} | "
                f"{int(m['classes_covered'])}/10 |"
            )
        lines.append("")
    if points:
        lines += [
            "## 2-D mixtures",
            "",
            "Modes covered (a mode counts when it gets at least 10% of its fair share of high-quality samples) and "
            "the share of high-quality samples (within 3σ of the nearest mode; real data: about 98.9%), "
            f"on {points[0]['result']['info'].get('n_samples')} samples. PacGAN (Lin et al. 2018, table 1) reports "
            "GAN 6.3/8 modes with 98.2% HQ on the ring and 17.3/25 with 94.8% on the grid.",
            "",
            "| family | dataset | steps | train time | device | modes | HQ | untrained modes / HQ | mode KL |",
            "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
        ]
        for e in points:
            m, b = e["result"]["metrics"], e["untrained"]["metrics"]
            k = int(m["num_modes"])
            lines.append(
                f"| {e['family']} | {e['dataset']} | {e['steps']} | {_minutes(e['train_seconds'])} | {e['device']} | "
                f"**{int(m['modes'])}/{k}** | {_pct(m['hq'])} | {int(b['modes'])}/{k} / {_pct(b['hq'])} | "
                f"{m['mode_kl']:.3f} |"
            )
        lines.append("")
    by_key = {(e["family"], e["dataset"]): e["result"]["metrics"] for e in entries}
    rows = []
    for fam, ds, metric, _, bound, text in TARGETS:
        m = by_key.get((fam, ds))
        if m is None or metric not in m:
            continue
        value = m[metric]
        shown = _pct(value) if bound < 1 else f"{value:g}"
        rows.append(f"| {text} | {shown} | {'met' if value >= bound else '**not met**'} |")
    if rows:
        lines += ["## Targets", "", "| target | measured | |", "| --- | ---: | --- |", *rows, ""]
    if skipped:
        lines += [
            "Not run: " + "; ".join(f"{s['family']} on {s['dataset']} ({s['reason']})" for s in skipped),
            "",
        ]
    lines += [
        "## Sample sheets",
        "",
        "MNIST sheets show a column per requested label (conditional families) or categorical code (InfoGAN).",
        "",
    ]
    for e in entries:
        lines += [
            f"### {e['family']} on {e['dataset']}",
            "",
            f"![{e['family']} on {e['dataset']}]({e['sheet']})",
            "",
        ]
    lines += [
        "## Runs",
        "",
        "| family | dataset | budget | batch | wall time (with data loading) | date | commit |",
        "| --- | --- | --- | ---: | ---: | --- | --- |",
    ]
    for e in entries:
        best = f", best at step {e['best_step']}" if e.get("best_step") else ""
        lines.append(
            f"| {e['family']} | {e['dataset']} | {e['budget']}{best} | {e['batch_size']} | "
            f"{_minutes(e['wall_seconds'])} | {e['date']} | {e['commit'] or '?'} |"
        )
    return "\n".join(lines) + "\n"


def order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MNIST first, then ring8 and grid25; families in :data:`FAMILY_ORDER`."""
    ds_rank = {d: i for i, d in enumerate(IMAGE_DATASETS + POINT_DATASETS)}
    fam_rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    return sorted(
        entries, key=lambda e: (ds_rank.get(e["dataset"], 99), fam_rank.get(e["family"], 99), e["family"])
    )


def main(argv: list[str] | None = None) -> int:
    from ganzoo.fsutil import atomic_text
    from ganzoo.registry import get_registry

    all_families = [c.name for c in get_registry().list(kind="family")]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--families", default=",".join(all_families), help="comma-separated (default: all)")
    p.add_argument("--datasets", default=",".join(IMAGE_DATASETS + POINT_DATASETS), help="comma-separated")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="MNIST in torchvision's layout")
    p.add_argument("--steps", type=int, help="generator steps for every run (default: each family's default)")
    p.add_argument(
        "--budget-minutes", type=float, help="train each run for about this long (speed measured first)"
    )
    p.add_argument("--eval-every", type=int, default=0, help="keep the best model, evaluated every N steps")
    p.add_argument("--samples", type=int, default=10_000, help="samples per evaluation")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "quality", help="where the run folders go")
    p.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks", help="where the page goes")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--report-only", action="store_true", help="only rewrite the page from quality.json")
    p.add_argument(
        "--from-run",
        type=Path,
        action="append",
        default=[],
        help="measure this run folder (trained with its family's defaults) instead of training; repeatable",
    )
    args = p.parse_args(argv)

    families = [f.strip() for f in args.families.split(",") if f.strip()]
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = [f for f in families if f not in all_families]
    if unknown:
        p.error(f"unknown families: {', '.join(unknown)} (known: {', '.join(all_families)})")
    store = args.docs / "quality.json"
    saved = json.loads(store.read_text()) if store.is_file() else {"entries": [], "skipped": []}
    entries = {(e["family"], e["dataset"]): e for e in saved["entries"]}
    skipped = {(s["family"], s["dataset"]): s for s in saved["skipped"]}
    failures = 0
    if not args.report_only:
        from ganzoo.errors import GanzooError

        jobs = [(None, None, None, run) for run in args.from_run] or [
            (fam, ds, reason, None) for fam, ds, reason in plan(families, datasets)
        ]
        for fam, ds, reason, run in jobs:
            if reason is not None:
                skipped[(fam, ds)] = {"family": fam, "dataset": ds, "reason": reason.split(";")[0]}
                continue
            try:
                entry = run_one(fam, ds, args) if run is None else from_run(run, args)
                fam, ds = entry["family"], entry["dataset"]
            except GanzooError as exc:
                failures += 1
                print(f"[{fam} on {ds}] failed: {exc}", file=sys.stderr, flush=True)
                continue
            # re-read the store: several invocations (one per core, say) may add to it at once
            saved = json.loads(store.read_text()) if store.is_file() else {"entries": [], "skipped": []}
            entries = {(e["family"], e["dataset"]): e for e in saved["entries"]}
            skipped = {(s["family"], s["dataset"]): s for s in saved["skipped"]}
            entries[(fam, ds)] = entry
            skipped.pop((fam, ds), None)
            saved = {
                "entries": order(list(entries.values())),
                "skipped": list(skipped.values()),
            }
            atomic_text(store, json.dumps(saved, indent=2) + "\n")
            atomic_text(args.docs / "quality.md", render(saved["entries"], saved["skipped"]))
    if store.is_file() and not args.report_only:
        latest = json.loads(store.read_text())
        entries.update({(e["family"], e["dataset"]): e for e in latest["entries"]})
        skipped.update({(s["family"], s["dataset"]): s for s in latest["skipped"]})
    saved = {"entries": order(list(entries.values())), "skipped": list(skipped.values())}
    atomic_text(store, json.dumps(saved, indent=2) + "\n")
    atomic_text(args.docs / "quality.md", render(saved["entries"], saved["skipped"]))
    print(f"wrote {args.docs / 'quality.md'} ({len(saved['entries'])} runs)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
