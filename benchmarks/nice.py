"""Does discriminator-ranked sampling (`ganzoo sample --nice`) improve quality? Measured per family.

Each MNIST run of the quality benchmark (the newest ``<family>-mnist-*`` folder under ``--runs``, where
``benchmarks/quality.py --out`` put them) is evaluated twice with the same metrics and the same number of
samples: plain samples, and the best ``--top-fraction`` of a larger pool ranked by the model's own
discriminator (seed 002's ``--nice``). Writes ``docs/benchmarks/nice.md``.

    python benchmarks/nice.py --runs runs/quality --samples 2000 --top-fraction 0.05
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAMILY_ORDER = ("gan", "dcgan", "cgan", "acgan", "infogan", "lapgan", "ebgan", "wgan", "wgan-gp")


def newest_runs(runs: Path) -> dict[str, Path]:
    """family -> its newest finished MNIST run folder (one with a model/)."""
    found: dict[str, Path] = {}
    for path in sorted(runs.glob("*-mnist-*")):
        if (path / "model" / "model.safetensors").is_file():
            found[path.name.rsplit("-mnist-", 1)[0]] = path
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=Path, default=ROOT / "runs" / "quality", help="quality.py's --out")
    p.add_argument("--samples", type=int, default=2000, help="samples per evaluation (both arms)")
    p.add_argument("--top-fraction", type=float, default=0.05, help="share of the pool --nice keeps")
    p.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import ganzoo
    from ganzoo.metrics import evaluate
    from ganzoo.nice import nice_sample

    def nice(model, n, *, labels=None, codes=None, seed=None):
        return nice_sample(model, n, labels=labels, codes=codes, seed=seed, top_fraction=args.top_fraction)

    runs = newest_runs(args.runs)
    rows = []
    for family in sorted(runs, key=lambda f: (FAMILY_ORDER + (f,)).index(f)):
        model = ganzoo.load(str(runs[family]))
        t0 = time.perf_counter()
        plain = evaluate(model, n_samples=args.samples, seed=args.seed)
        ranked = evaluate(model, n_samples=args.samples, seed=args.seed, sampler=nice)
        rows.append((family, plain.metrics, ranked.metrics))
        print(
            f"[{family}] fd {plain.metrics['fd']:.2f} -> {ranked.metrics['fd']:.2f} "
            f"({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )

    def acc(m: dict) -> str:
        key = next((k for k in ("label_acc", "code_acc") if k in m), None)
        return "—" if key is None else f"{m[key]:.1%}"

    pool = round(args.samples / args.top_fraction)
    lines = [
        "# Discriminator-ranked sampling (`--nice`)",
        "",
        "Seed 002's Keras DCGAN keeps the top 5% of generated images by the discriminator's score; "
        "`ganzoo sample SOURCE --nice` does that for every family (pushed models keep their discriminator). "
        f"Each MNIST model of the [quality benchmark](quality.md) is evaluated on {args.samples} samples twice: "
        f"plain, and the best {args.top_fraction:.0%} of a pool of {pool} ranked by its own discriminator "
        "(EBGAN: lowest energy), with the same metrics as `ganzoo eval`. FD on fewer samples reads higher than "
        "the 10,000-sample numbers of the quality page: compare within this table. "
        "Reproduce with `python benchmarks/nice.py`.",
        "",
        "| family | FD plain | FD --nice | change | classifier score plain / --nice | "
        "classes covered plain / --nice | label or code acc plain / --nice |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for fam, a, b in rows:
        lines.append(
            f"| {fam} | {a['fd']:.2f} | {b['fd']:.2f} | {(b['fd'] - a['fd']) / a['fd']:+.0%} | "
            f"{a['classifier_score']:.2f} / {b['classifier_score']:.2f} | "
            f"{int(a['classes_covered'])} / {int(b['classes_covered'])} | {acc(a)} / {acc(b)} |"
        )
    better = [fam for fam, a, b in rows if b["fd"] < a["fd"]]
    lines += [
        "",
        f"`--nice` lowers the FD for {len(better)} of {len(rows)} families"
        + (f" ({', '.join(better)})." if better else "."),
        "",
    ]
    args.docs.mkdir(parents=True, exist_ok=True)
    (args.docs / "nice.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.docs / 'nice.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
