"""Speed benchmark: ganzoo's training throughput beside a hand-written loop and the reference scripts' feeding.

For every family, on MNIST-shaped data at the family's default batch size, one run measures:

* **ganzoo**: the real engine (:class:`ganzoo.engine.Engine`, no run folder, default settings);
* **plain loop**: the same nets, losses and optimisers (ganzoo's builders) driven by a hand-written loop over a
  pre-normalised tensor sliced by ``randperm``: what the abstraction costs;
* **reference feeding**: the same loop fed as PyTorch-GAN and pytorch-generative-model-collections feed it:
  torchvision ``datasets.MNIST`` with per-sample ``Compose([Resize, ToTensor, Normalize])`` in a
  ``DataLoader(batch_size, shuffle=True)`` (``num_workers=0``) and latents built in numpy every step;
* sampling throughput (``GanModel.sample``) and the peak memory of training plus sampling, measured in a
  fresh subprocess per family.

Columns are measured in turn (ganzoo, plain, reference, sampling, then again) so background load hits them
alike; the table shows medians over ``--repeats``. Optional engine variants (threads, a competing busy core,
``channels_last``, ``torch.compile``) and the CLI's start-up latency follow. ``--write-docs`` writes
``speed.md`` and ``speed.json`` into ``--docs``.

Examples (from the repository root)::

    python benchmarks/speed.py --write-docs                          # the published table
    python benchmarks/speed.py --families gan,dcgan --variants ""    # two families, no variants
    python benchmarks/speed.py --synthetic --families gan --steps 2 --warmup 1 --repeats 1 \\
        --samples 100 --variants "" --cli-runs 1 --write-docs --docs /tmp/speed   # a smoke test
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data" / "mnist"
FAMILY_ORDER = ("gan", "dcgan", "cgan", "acgan", "infogan", "lapgan", "ebgan", "wgan", "wgan-gp")
#: Families whose default nets are MLPs: the reference-feeding target is 1.5x for them, "ahead" for the
#: others (cgan's defaults are the conditional DCGAN nets; its paper MLPs are -G cmlp -D cmlp).
MLP_FAMILIES = ("gan",)
COLUMNS = ("ganzoo", "plain", "reference")
DEFAULT_VARIANTS = "default,threads=1,threads=2,threads=1+busy,threads=2+busy,channels_last,compile"
ALTERNATING = "ganzoo_plugins.nn.trainers:AlternatingTrainer"


# -- the machine -------------------------------------------------------------------------------------------
def machine(device: str) -> str:
    """One line: CPU model (or GPU), logical and physical cores, torch version and its thread count."""
    import torch

    threads = f"{torch.get_num_threads()} torch threads"
    if device.startswith("cuda"):
        return f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, {threads} on the host"
    cpu, physical = platform.processor() or platform.machine(), set()
    try:
        block: dict[str, str] = {}
        for line in Path("/proc/cpuinfo").read_text().splitlines() + [""]:
            if ":" in line:
                k, v = (s.strip() for s in line.split(":", 1))
                block[k] = v
            elif block:
                cpu = block.get("model name", cpu)
                physical.add((block.get("physical id"), block.get("core id")))
                block = {}
    except OSError:
        pass
    cores = f"{os.cpu_count()} logical cores" + (f" ({len(physical)} physical)" if physical else "")
    return f"{cpu}, {cores}, torch {torch.__version__} (CPU), {threads}"


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


# -- data --------------------------------------------------------------------------------------------------
def load_mnist(data_dir: Path, synthetic: bool):
    """MNIST's training split as a :class:`ganzoo.data.TensorData` (random uint8 images with ``synthetic``)."""
    import torch

    from ganzoo.data import TensorData
    from ganzoo.registry import get_registry

    impl = get_registry().get("mnist", "dataset").load()
    if not synthetic:
        return impl.load("train", data_dir)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (60_000, 1, 28, 28), dtype=torch.uint8, generator=gen)
    return TensorData(impl.spec(), x, torch.randint(0, 10, (60_000,), generator=gen))


def reference_dataset(data_dir: Path, data):
    """The scripts' dataset: torchvision MNIST with per-sample PIL transforms (at 28x28, see the page)."""
    import torch
    from PIL import Image
    from torchvision import datasets, transforms

    tf = transforms.Compose(
        [transforms.Resize(28), transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]
    )
    if data is None:
        return datasets.MNIST(str(data_dir), train=True, download=False, transform=tf)

    class SyntheticMNIST(torch.utils.data.Dataset):
        """``data`` behind torchvision MNIST's ``__getitem__`` (a PIL image per sample, then the transform)."""

        def __len__(self) -> int:
            return len(data)

        def __getitem__(self, i: int):
            return tf(Image.fromarray(data.x[i, 0].numpy(), mode="L")), int(data.y[i])

    return SyntheticMNIST()


# -- the three ways to train -------------------------------------------------------------------------------
@dataclass
class Bench:
    """What every measurement shares: the data (three ways), the device and the step counts."""

    data: Any  # TensorData on the CPU
    device: Any  # torch.device
    reference: Any  # the scripts' torchvision dataset
    steps: int
    warmup: int
    normalised: Any = None  # (x in [-1, 1], y) on the device, for the plain loop

    def plain_data(self):
        if self.normalised is None:
            d = self.data.to(self.device)
            self.normalised = (d.normalise(d.x), d.y)
        return self.normalised


def gen_steps(spec, batches: int) -> int:
    """Generator steps holding about ``batches`` real batches (a step reads ``d_steps`` of them)."""
    return max(1, round(batches / int(spec.parts["trainer"].params.get("d_steps", 1))))


def family_spec(family: str, train: dict[str, Any] | None = None):
    from ganzoo.api import resolve_run

    overrides = {"train": {"sample_every": 0, "checkpoint_every": 0, **(train or {})}}
    return resolve_run(family, dataset="mnist", overrides=overrides)


def run_engine(spec, bench: Bench, seed: int) -> tuple[float, int]:
    """(seconds, real images) of the timed steps of a real engine run, warm-up steps excluded."""
    from ganzoo.engine import Engine

    warm, timed = gen_steps(spec, bench.warmup), gen_steps(spec, bench.steps)
    spec.train["steps"] = warm + timed
    mark: dict[str, float] = {}

    def at_step(engine, step, line) -> None:
        if step == warm:
            sync(engine.device)
            mark["t0"], mark["images"] = time.perf_counter(), engine.batcher.images_seen

    engine = Engine(spec, data=bench.data, run_dir=None, device=str(bench.device), seed=seed, quiet=True)
    engine.callbacks.append(at_step)
    engine.run()
    sync(engine.device)
    return time.perf_counter() - mark["t0"], engine.batcher.images_seen - int(mark["images"])


def _nets(spec, bench: Bench, seed: int, scripts_optim: bool = False):
    """The family's nets, loss and a ``step(next_batch, next_latent)`` written out by hand (for the
    alternating trainer) or, for other trainers (LAPGAN's pyramid), the trainer plugin's own step.
    ``scripts_optim``: the optimisers built as the reference scripts build them (torch's defaults)."""
    import torch

    from ganzoo.model import build_loss, build_model, build_trainer
    from ganzoo.optim import make_optimizer

    t = spec.train
    torch.manual_seed(seed)
    model = build_model(spec, bench.data.spec).to(bench.device)
    if t["channels_last"]:
        model.to(memory_format=torch.channels_last)
    G, D = model.generator, model.discriminator
    if t["compile"]:
        G, D = torch.compile(G), torch.compile(D)
    loss = build_loss(spec)
    tp = spec.parts["trainer"].params
    if spec.parts["trainer"].component.factory != ALTERNATING:
        trainer = build_trainer(spec, G, D, loss, model.latent)
        return model, trainer.step
    betas = (tp["beta1"], tp["beta2"])
    if not scripts_optim:
        opt_g = make_optimizer(tp["optimizer"], G.parameters(), tp["lr_g"], betas)
        opt_d = make_optimizer(tp["optimizer"], D.parameters(), tp["lr_d"], betas)
    elif tp["optimizer"] == "adam":  # torch.optim.Adam(generator.parameters(), lr=opt.lr, betas=(b1, b2))
        opt_g = torch.optim.Adam(G.parameters(), lr=tp["lr_g"], betas=betas)
        opt_d = torch.optim.Adam(D.parameters(), lr=tp["lr_d"], betas=betas)
    else:
        opt_g = torch.optim.RMSprop(G.parameters(), lr=tp["lr_g"])
        opt_d = torch.optim.RMSprop(D.parameters(), lr=tp["lr_d"])
    d_steps, clip = tp["d_steps"], tp.get("clip", 0.0)

    def step(next_batch, next_latent) -> None:
        for _ in range(d_steps):
            real = next_batch()
            lat = next_latent(real.x.shape[0])
            with torch.no_grad():
                fake = G(lat.z, lat.y)
            d_loss, _ = loss.discriminator(D, real, fake, lat)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            if clip > 0:
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-clip, clip)
        lat = next_latent(real.x.shape[0])
        D.requires_grad_(False)
        g_loss, _ = loss.generator(D, G(lat.z, lat.y), lat, real)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        D.requires_grad_(True)

    return model, step


def _timed_loop(spec, bench: Bench, step, next_batch, next_latent, seen: list[int]) -> tuple[float, int]:
    import torch

    amp = spec.train["amp"]
    ctx = torch.autocast(bench.device.type, dtype=torch.bfloat16) if amp else contextlib.nullcontext()
    with ctx:
        for _ in range(gen_steps(spec, bench.warmup)):
            step(next_batch, next_latent)
        sync(bench.device)
        t0, start = time.perf_counter(), seen[0]
        for _ in range(gen_steps(spec, bench.steps)):
            step(next_batch, next_latent)
        sync(bench.device)
    return time.perf_counter() - t0, seen[0] - start


def run_plain(spec, bench: Bench, seed: int) -> tuple[float, int]:
    """The hand-written loop: batches sliced from a pre-normalised tensor, latents drawn on the device."""
    import torch

    from ganzoo.data import Batch
    from ganzoo.latent import sample_latent

    model, step = _nets(spec, bench, seed)
    x, y = bench.plain_data()
    bs, n = spec.train["batch_size"], len(x)
    state = {"perm": torch.randperm(n, device=bench.device), "pos": 0}
    seen = [0]

    def next_batch() -> Batch:
        if state["pos"] + bs > n:
            state["perm"], state["pos"] = torch.randperm(n, device=bench.device), 0
        idx = state["perm"][state["pos"] : state["pos"] + bs]
        state["pos"] += bs
        seen[0] += bs
        return Batch(x[idx], y[idx])

    def next_latent(k: int):
        return sample_latent(model.latent, k, device=bench.device)

    return _timed_loop(spec, bench, step, next_batch, next_latent, seen)


def reference_feed(reference, latent, batch_size: int, device, seed: int):
    """The reference scripts' feeding: ``(next_batch, next_latent, seen)`` over a ``DataLoader(reference,
    batch_size, shuffle=True)`` of per-sample transforms, with noise, labels and one-hot codes built in numpy
    every step (``Variable(Tensor(np.random...))``); ``seen[0]`` counts the real images read. Seeds numpy's
    and torch's global generators with ``seed``, as the scripts' ``np.random``/``torch`` calls use them."""
    import numpy as np
    import torch
    from torch.utils.data import DataLoader

    from ganzoo.data import Batch
    from ganzoo.latent import Latent

    loader = DataLoader(reference, batch_size=batch_size, shuffle=True)
    state = {"it": iter(loader)}
    seen = [0]
    dev, spec_l = device, latent

    def next_batch() -> Batch:
        try:
            imgs, labels = next(state["it"])
        except StopIteration:
            state["it"] = iter(loader)
            imgs, labels = next(state["it"])
        seen[0] += imgs.shape[0]
        return Batch(imgs.to(dev), labels.to(dev))

    def next_latent(k: int) -> Latent:
        parts = [np.random.normal(0, 1, (k, spec_l.noise_dim))]
        y = cat = cont = None
        if spec_l.num_classes:
            y = torch.tensor(np.random.randint(0, spec_l.num_classes, k), dtype=torch.long, device=dev)
        if spec_l.categorical:
            codes = np.stack([np.random.randint(0, c, k) for c in spec_l.categorical], 1)
            for i, c in enumerate(spec_l.categorical):  # the scripts' to_categorical
                onehot = np.zeros((k, c))
                onehot[range(k), codes[:, i]] = 1.0
                parts.append(onehot)
            cat = torch.tensor(codes, dtype=torch.long, device=dev)
        if spec_l.continuous:
            parts.append(np.random.uniform(-1, 1, (k, spec_l.continuous)))
            cont = torch.tensor(parts[-1], dtype=torch.float32, device=dev)
        z = torch.tensor(np.concatenate(parts, 1), dtype=torch.float32, device=dev)
        return Latent(z, y, cat, cont)

    np.random.seed(seed)
    torch.manual_seed(seed)
    return next_batch, next_latent, seen


def run_reference(spec, bench: Bench, seed: int) -> tuple[float, int]:
    """The same loop fed as the reference scripts feed it (:func:`reference_feed`), and the optimisers built
    with torch's defaults, as the scripts build them."""
    model, step = _nets(spec, bench, seed, scripts_optim=True)
    feed = reference_feed(bench.reference, model.latent, spec.train["batch_size"], bench.device, seed)
    next_batch, next_latent, seen = feed
    return _timed_loop(spec, bench, step, next_batch, next_latent, seen)


RUNNERS: dict[str, Callable[..., tuple[float, int]]] = {
    "ganzoo": run_engine,
    "plain": run_plain,
    "reference": run_reference,
}


def run_sampling(spec, bench: Bench, n: int, seed: int) -> float:
    """Images per second of ``GanModel.sample(n)`` on a freshly built model (after a small warm-up)."""
    import torch

    from ganzoo.model import build_model

    torch.manual_seed(seed)
    model = build_model(spec, bench.data.spec).to(bench.device)
    model.sample(min(n, 100), seed=seed)
    sync(bench.device)
    t0 = time.perf_counter()
    model.sample(n, seed=seed)
    sync(bench.device)
    return n / (time.perf_counter() - t0)


# -- peak memory, in a fresh process per family ------------------------------------------------------------
def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def memory_probe(args: argparse.Namespace) -> dict[str, Any]:
    """Train the family ``--warmup`` + 2 steps through the engine and sample ``--samples`` images; report the
    peak resident memory (CPU) or the peak allocated GPU memory, and how much of it training and sampling
    added over the loaded data (VmHWM reset through /proc/self/clear_refs where the kernel allows it)."""
    import torch

    import ganzoo  # noqa: F401  (torch and ganzoo loaded before the baseline)
    from ganzoo.engine import Engine

    data = load_mnist(args.data_dir, args.synthetic)
    spec = family_spec(args.memory_probe)
    spec.train["steps"] = args.warmup + 2
    device = torch.device(args.device)
    # load torch's lazily loaded CPU kernels (conv, matmul, Adam) before the baseline: they are not training
    warm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(8, 1)).to(device)
    warm(torch.zeros(2, 1, 4, 4, device=device)).sum().backward()
    torch.optim.Adam(warm.parameters()).step()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    else:
        base = _rss_kb("VmRSS")
        with contextlib.suppress(OSError):  # reset the high-water mark to the current RSS
            Path("/proc/self/clear_refs").write_text("5")
    engine = Engine(spec, data=data, run_dir=None, device=args.device, seed=0, quiet=True)
    engine.run()
    engine.model.sample(args.samples, seed=0)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device)
        return {"kind": "cuda allocated", "peak_mb": peak / 2**20, "delta_mb": (peak - base) / 2**20}
    peak = _rss_kb("VmHWM")
    return {"kind": "RSS", "peak_mb": peak / 1024, "delta_mb": (peak - base) / 1024}


def measure_memory(family: str, args: argparse.Namespace) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--memory-probe", family, "--device", str(args.device)]
    cmd += ["--data-dir", str(args.data_dir), "--warmup", str(args.warmup), "--samples", str(args.samples)]
    cmd += ["--synthetic"] if args.synthetic else []
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"[{family}] memory probe failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- engine variants and the CLI ---------------------------------------------------------------------------
def parse_variant(name: str) -> tuple[dict[str, Any], bool]:
    """``threads=N``, ``channels_last``, ``compile`` or ``default``, optionally ``+busy`` (a competing
    process spinning on one core): engine settings and whether to start the busy process."""
    base, busy = (name[: -len("+busy")], True) if name.endswith("+busy") else (name, False)
    if base == "default":
        return {}, busy
    if base in ("channels_last", "compile"):
        return {base: True}, busy
    if base.startswith("threads=") and base[8:].isdigit():
        return {"threads": int(base[8:])}, busy
    raise ValueError(f"unknown variant {name!r}; use default, threads=N, channels_last or compile (+busy)")


def run_variant(family: str, name: str, bench: Bench, seed: int) -> tuple[float, int]:
    import torch

    train, busy = parse_variant(name)
    threads = torch.get_num_threads()
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        return run_engine(family_spec(family, train), bench, seed)
    finally:
        torch.set_num_threads(threads)  # train.threads is process-wide: restore it for the next run
        if spinner is not None:
            spinner.kill()
            spinner.wait()


def cli_latency(runs: int) -> dict[str, float]:
    """Median wall seconds of ``ganzoo --help`` and ``ganzoo list`` over ``runs`` fresh processes."""
    exe = shutil.which("ganzoo", path=str(Path(sys.executable).parent)) or shutil.which("ganzoo")
    cmd = [exe] if exe else [sys.executable, "-m", "ganzoo"]
    out = {}
    for args in (["--help"], ["list"]):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd + args, capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
        out["ganzoo " + " ".join(args)] = statistics.median(times)
    return out


# -- the report --------------------------------------------------------------------------------------------
def _rate(runs: list[tuple[float, int]]) -> float:
    return statistics.median(images / seconds for seconds, images in runs)


def summarise(raw: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for fam, r in raw["families"].items():
        rates = {c: _rate(r[c]) for c in COLUMNS if r.get(c)}
        row = {"family": fam, "batch_size": r["batch_size"], "d_steps": r["d_steps"], **rates}
        row["sampling"] = statistics.median(r["sampling"]) if r.get("sampling") else None
        row["memory"] = r.get("memory")
        if "ganzoo" in rates and "plain" in rates:
            row["vs_plain"] = rates["ganzoo"] / rates["plain"]
        if "ganzoo" in rates and "reference" in rates:
            row["vs_reference"] = rates["ganzoo"] / rates["reference"]
        rows.append(row)
    return rows


def _f(v: float | None, fmt: str = "{:.0f}") -> str:
    return "—" if v is None else fmt.format(v)


def table(raw: dict[str, Any]) -> list[str]:
    lines = [
        "| family | batch | D steps | ganzoo img/s | plain loop img/s | ganzoo ÷ plain | reference img/s | "
        "ganzoo ÷ reference | sampling img/s | peak memory MB (+ training) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in summarise(raw):
        mem = row["memory"]
        mem_s = "—" if not mem else f"{mem['peak_mb']:.0f} (+{mem['delta_mb']:.0f})"
        lines.append(
            f"| {row['family']} | {row['batch_size']} | {row['d_steps']} | {_f(row.get('ganzoo'))} | "
            f"{_f(row.get('plain'))} | {_f(row.get('vs_plain'), '{:.2f}×')} | {_f(row.get('reference'))} | "
            f"**{_f(row.get('vs_reference'), '{:.2f}×')}** | {_f(row['sampling'])} | {mem_s} |"
        )
    return lines


def targets(raw: dict[str, Any]) -> list[str]:
    lines = ["| family | ganzoo ≥ 0.95× plain loop | ganzoo vs reference feeding |", "| --- | --- | --- |"]
    for row in summarise(raw):
        p, r = row.get("vs_plain"), row.get("vs_reference")
        need = 1.5 if row["family"] in MLP_FAMILIES else 1.0
        plain = "—" if p is None else ("met" if p >= 0.95 else "**not met**") + f" ({p:.2f}×)"
        ref = "—" if r is None else ("met" if r >= need else "**not met**") + f" ({r:.2f}×, target "
        ref += "" if r is None else (f"≥ {need:g}×)" if need > 1 else "ahead)")
        lines.append(f"| {row['family']} | {plain} | {ref} |")
    return lines


def variants_table(raw: dict[str, Any]) -> list[str]:
    var = raw.get("variants") or {}
    names = list(next(iter(var.values()), {}))
    if not names:
        return []
    lines = ["| variant | " + " | ".join(f"{f} img/s" for f in var) + " |", "| --- |" + " ---: |" * len(var)]
    for name in names:
        cells = []
        for runs in var.values():
            got, first = runs[name], runs[names[0]]
            if isinstance(got, str):
                cells.append(f"failed: {got}")
            elif name == names[0] or isinstance(first, str):
                cells.append(f"{_rate(got):.0f}")
            else:
                cells.append(f"{_rate(got):.0f} ({_rate(got) / _rate(first):.2f}×)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def load1() -> float:
    """The 1-minute load average, rounded; NaN where the platform has none."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return float("nan")


def render(raw: dict[str, Any]) -> str:
    m = raw["meta"]
    load = m["load_before"], m["load_after"]
    lines = [
        "# Speed benchmark",
        "",
        "Training throughput of every family on MNIST-shaped data at its default batch size, measured by "
        "`benchmarks/speed.py` in one run. Reproduce with `python benchmarks/speed.py --write-docs` "
        "(options: `--families`, `--steps`, `--repeats`, `--device`, `--variants`).",
        "",
        f"- Machine: `{m['machine']}`; device `{m['device']}`.",
        f"- Data: {m['data']}; {m['steps']} timed real batches per measurement after {m['warmup']} warm-up "
        f"batches (a family with *D steps* = k runs a generator step per k batches); medians of "
        f"{m['repeats']} repeats, the columns measured in turn within each repeat.",
        f"- Load average (1 min) {load[0]:.2f} before the run (and {load[1]:.2f} after it, which counts the "
        "benchmark's own threads and its busy-core variants)"
        + (f"; {m['busy_before']:g} other runnable tasks when it started" if "busy_before" in m else "")
        + (
            " — **the machine was shared with other work**: rates are lower and noisier than on a quiet "
            "machine; the ratios, measured in turn, less so."
            if m.get("busy_before", load[0]) > 0.5 * m["cores"]
            else ": a quiet machine."
        ),
        *(
            [f"- `OMP_NUM_THREADS={m['omp_num_threads']}` was set in the environment."]
            if m.get("omp_num_threads")
            else []
        ),
        *(
            ["- **A short run** (fewer batches or repeats than the defaults, 50 and 3): provisional numbers."]
            if m["steps"] < 50 or m["repeats"] < 3
            else []
        ),
        f"- {m['date']}, commit `{m['commit'] or '?'}`.",
        "",
        "## Training throughput",
        "",
        "Images per second count real images read (batch × D steps per generator step).",
        "",
        *table(raw),
        "",
        "- **ganzoo**: the training engine itself (`ganzoo.engine.Engine`, as `ganzoo train` runs it, without "
        "a run folder): the uint8 dataset resident on the device, batches gathered and normalised in one "
        "vectorised step, losses summed on the device and synchronised only at logging steps, Adam's "
        "fused kernel.",
        "- **plain loop**: the same nets, losses and optimisers built by ganzoo's builders, driven by a "
        "hand-written loop over a pre-normalised float tensor sliced by `randperm` (zero_grad, backward, step "
        "written out). LAPGAN's pyramid update is the trainer plugin's own `step`, called from the plain loop.",
        "- **reference**: the plain loop fed the way PyTorch-GAN and pytorch-generative-model-collections feed "
        "their scripts: `datasets.MNIST(root, transform=Compose([Resize(28), ToTensor(), "
        "Normalize([0.5], [0.5])]))` in a `DataLoader(batch_size, shuffle=True)` with `num_workers=0`, and "
        "noise, labels and one-hot codes made in numpy and copied into new tensors every step, optimisers "
        "built with torch's defaults (`torch.optim.Adam(params, lr, betas)`: the per-parameter loop; "
        "LAPGAN keeps its trainer's). It trains the same nets with the same hyperparameters and update "
        "order, so the ratio isolates feeding and per-step overhead: the "
        "scripts' own nets and update orders differ (their DCGAN, ACGAN, InfoGAN, EBGAN and CGAN resize to "
        "32×32; here every column trains on the same 28×28 images).",
        "- **sampling**: `GanModel.sample(n)` for "
        f"{m['samples']:,} images (batches of 1,000, generator in eval mode).",
        "- **peak memory**: a fresh process per family trains a few steps through the engine and samples; "
        + (
            "peak resident set size (VmHWM), and in brackets what training and sampling added to the process "
            "once torch, ganzoo and the uint8 dataset were loaded."
            if m["device"] == "cpu"
            else "peak allocated GPU memory (`torch.cuda.max_memory_allocated`), and in brackets the part "
            "above what was allocated before training."
        ),
        "",
        "## Targets",
        "",
        *targets(raw),
        "",
    ]
    var = variants_table(raw)
    if var:
        lines += [
            "## Engine settings",
            "",
            "The ganzoo column again under other engine settings (`--set train.threads=N`, "
            "`train.channels_last=true`, `train.compile=true`); *+busy* runs a competing process spinning on "
            "one core during the measurement, as another job on a shared machine would. Ratios are to the "
            "first row.",
            "",
            *var,
            "",
        ]
    if raw.get("cli"):
        lines += [
            "## Command-line start-up",
            "",
            f"Median wall time of {m['cli_runs']} fresh processes each (target: under 0.5 s on a quiet machine).",
            "",
            "| command | seconds |",
            "| --- | ---: |",
            *(f"| `{k}` | {v:.2f} |" for k, v in raw["cli"].items()),
            "",
        ]
    return "\n".join(lines)


def print_report(raw: dict[str, Any]) -> None:
    print(f"\nmachine: {raw['meta']['machine']}")
    print("\n".join(table(raw)))
    print("\n".join(targets(raw)))
    var = variants_table(raw)
    if var:
        print("\n".join(var))
    for k, v in (raw.get("cli") or {}).items():
        print(f"{k}: {v:.2f} s")


# -- main --------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--families", default=",".join(FAMILY_ORDER), help="comma-separated (default: all nine)")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="MNIST in torchvision's layout")
    p.add_argument("--synthetic", action="store_true", help="random uint8 60k×1×28×28 instead of MNIST")
    p.add_argument("--steps", type=int, default=50, help="timed real batches per measurement")
    p.add_argument("--warmup", type=int, default=5, help="untimed batches before each measurement")
    p.add_argument("--repeats", type=int, default=3, help="measurements per column (medians are shown)")
    p.add_argument("--samples", type=int, default=10_000, help="images per sampling measurement")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--variants", default=DEFAULT_VARIANTS, help='engine variants ("" for none)')
    p.add_argument("--variant-families", default="dcgan,gan", help="families the variants run on")
    p.add_argument("--cli-runs", type=int, default=5, help="runs per CLI command (0: skip)")
    p.add_argument("--no-memory", action="store_true", help="skip the per-family memory subprocesses")
    p.add_argument("--write-docs", action="store_true", help="write speed.md and speed.json into --docs")
    p.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks", help="where the page goes")
    p.add_argument("--report-only", action="store_true", help="only rewrite speed.md from speed.json")
    p.add_argument("--memory-probe", metavar="FAMILY", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.memory_probe:
        print(json.dumps(memory_probe(args)))
        return 0
    if args.report_only:
        from ganzoo.fsutil import atomic_text

        raw = json.loads((args.docs / "speed.json").read_text())
        atomic_text(args.docs / "speed.md", render(raw))
        print(f"wrote {args.docs / 'speed.md'}")
        return 0

    import torch

    from ganzoo.devices import busy_cores, resolve_device
    from ganzoo.engine import TrainingInterrupted
    from ganzoo.fsutil import atomic_text

    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILY_ORDER]
    if unknown:
        p.error(f"unknown families: {', '.join(unknown)} (known: {', '.join(FAMILY_ORDER)})")
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for v in variants:
        try:
            parse_variant(v)
        except ValueError as exc:
            p.error(str(exc))
    args.device = resolve_device(args.device)
    device = torch.device(args.device)
    load_before, busy_before = load1(), busy_cores()
    data = load_mnist(args.data_dir, args.synthetic)
    reference = reference_dataset(args.data_dir, data if args.synthetic else None)
    bench = Bench(data, device, reference, args.steps, args.warmup)
    raw: dict[str, Any] = {"families": {}, "variants": {}}
    for fam in families:
        spec = family_spec(fam)
        r: dict[str, Any] = {"batch_size": spec.train["batch_size"]}
        r.update(d_steps=int(spec.parts["trainer"].params.get("d_steps", 1)), sampling=[])
        r.update({c: [] for c in COLUMNS})
        for rep in range(args.repeats):
            for col in COLUMNS:
                r[col].append(RUNNERS[col](family_spec(fam), bench, rep))
            r["sampling"].append(run_sampling(spec, bench, args.samples, rep))
            print(
                f"[{fam}] repeat {rep + 1}: "
                + ", ".join(f"{c} {r[c][-1][1] / r[c][-1][0]:.0f}" for c in COLUMNS)
                + f", sampling {r['sampling'][-1]:.0f} img/s",
                flush=True,
            )
        r["memory"] = None if args.no_memory else measure_memory(fam, args)
        raw["families"][fam] = r
    vfams = [f.strip() for f in args.variant_families.split(",") if f.strip()] if variants else []
    for fam in vfams:
        raw["variants"][fam] = {v: [] for v in variants}
    for rep in range(args.repeats if vfams else 0):
        for fam in vfams:
            for v in variants:
                runs = raw["variants"][fam]
                if isinstance(runs[v], str):
                    continue
                try:
                    runs[v].append(run_variant(fam, v, bench, rep))
                except TrainingInterrupted:  # Ctrl-C or SIGTERM stops the benchmark, not just this variant
                    raise
                except Exception as exc:  # a variant that cannot run here (no compiler, say) is reported
                    runs[v] = str(exc).splitlines()[0][:120]
                got = runs[v]
                shown = got if isinstance(got, str) else f"{got[-1][1] / got[-1][0]:.0f} img/s"
                print(f"[{fam} {v}] repeat {rep + 1}: {shown}", flush=True)
    raw["cli"] = cli_latency(args.cli_runs) if args.cli_runs else {}
    raw["meta"] = {
        "machine": machine(args.device),
        "device": args.device,
        "cores": os.cpu_count(),
        "data": "random uint8 images (--synthetic)" if args.synthetic else "real MNIST (60,000 images)",
        "steps": args.steps,
        "warmup": args.warmup,
        "repeats": args.repeats,
        "samples": args.samples,
        "cli_runs": args.cli_runs,
        "load_before": load_before,
        "busy_before": busy_before,
        "load_after": load1(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
    }
    print_report(raw)
    if args.write_docs:
        atomic_text(args.docs / "speed.json", json.dumps(raw, indent=2) + "\n")
        atomic_text(args.docs / "speed.md", render(raw))
        print(f"wrote {args.docs / 'speed.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
