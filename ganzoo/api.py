"""The Python API behind ``ganzoo.build`` and ``ganzoo.train``, mirroring the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.config import RunSpec, parse_overrides, resolve
from ganzoo.errors import ConfigError
from ganzoo.registry import get_registry
from ganzoo.spec import DataSpec

if TYPE_CHECKING:  # ganzoo.model imports torch; error paths of the CLI must not pay for it
    from ganzoo.model import GanModel


def merge_overrides(
    overrides: dict[str, dict[str, Any]] | list[str] | None, **train: Any
) -> dict[str, dict[str, Any]]:
    """``--set`` pairs (or a nested dict) plus engine settings given as keywords, as one nested dict."""
    out = (
        parse_overrides(overrides)
        if isinstance(overrides, (list, tuple))
        else {k: dict(v) for k, v in (overrides or {}).items()}
    )
    for key, value in train.items():
        if value is not None:
            out.setdefault("train", {})[key] = value
    return out


def resolve_run(
    family: str,
    *,
    dataset: str,
    generator: str | None = None,
    discriminator: str | None = None,
    loss: str | None = None,
    trainer: str | None = None,
    overrides: dict[str, dict[str, Any]] | list[str] | None = None,
    **train: Any,
) -> RunSpec:
    """Validate a combination and its settings without reading data or building nets."""
    return resolve(
        get_registry(),
        family,
        dataset=dataset,
        generator=generator,
        discriminator=discriminator,
        loss=loss,
        trainer=trainer,
        overrides=merge_overrides(overrides, **train),
    )


def build(
    family: str, *, dataset: str = "mnist", data_shape: DataSpec | None = None, **kwargs: Any
) -> GanModel:
    """An untrained model of ``family`` for ``dataset`` (or for ``data_shape``)."""
    from ganzoo.model import build_model

    spec = resolve_run(family, dataset=dataset, **kwargs)
    if data_shape is None:
        impl = spec.dataset.component.load()
        data_shape = impl.spec(**spec.dataset.params)
    model = build_model(spec, data_shape)
    return model


def train(
    family: str | None = None,
    *,
    dataset: str | None = None,
    data_dir: str | Path | None = None,
    download: bool = False,
    generator: str | None = None,
    discriminator: str | None = None,
    loss: str | None = None,
    trainer: str | None = None,
    overrides: dict[str, dict[str, Any]] | list[str] | None = None,
    steps: int | None = None,
    epochs: float | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    device: str = "auto",
    out: str | Path | None = None,
    resume: str | Path | None = None,
    save: bool = True,
    quiet: bool = True,
    callbacks: list | None = None,
    return_result: bool = False,
) -> Any:
    """Train a combination and return the trained :class:`~ganzoo.model.GanModel`.

    Like ``ganzoo train``: ``overrides`` are ``{"loss": {"gp_weight": 5}}`` or ``["loss.gp_weight=5"]``;
    ``out`` is the run folder (default ``runs/<family>-<dataset>-<time>``; ``save=False`` writes
    nothing); ``resume`` continues a run folder from its last checkpoint.
    """
    from ganzoo.engine import Engine, default_run_dir, init_distributed, load_data, prepare_run_dir

    train_kw = {"steps": steps, "epochs": epochs, "batch_size": batch_size}
    if resume is not None:
        run_dir = Path(resume)
        cfg_path = run_dir / "config.json"
        if not cfg_path.is_file():
            raise ConfigError(
                f"{run_dir} is not a ganzoo run folder (no config.json); check the --resume path"
            )
        cfg = json.loads(cfg_path.read_text())
        spec = spec_from_config(cfg, overrides=merge_overrides(overrides, **train_kw))
        seed = cfg["train"]["seed"]
        data_dir = data_dir if data_dir is not None else cfg.get("run", {}).get("data_dir")
    else:
        if family is None or dataset is None:
            raise ConfigError("train needs a family and a dataset (or resume=RUN_DIR)")
        spec = resolve_run(
            family,
            dataset=dataset,
            generator=generator,
            discriminator=discriminator,
            loss=loss,
            trainer=trainer,
            overrides=overrides,
            **train_kw,
        )
        run_dir = None
    data = load_data(spec, data_dir, download)
    dist = init_distributed(device)
    if resume is None and save:
        run_dir = Path(out) if out is not None else default_run_dir(spec)
        if dist.main:
            prepare_run_dir(run_dir)
        if dist.world_size > 1:  # every rank uses rank 0's folder name (timestamps may differ)
            import torch.distributed as tdist

            box = [str(run_dir)]
            tdist.broadcast_object_list(box, src=0)
            run_dir = Path(box[0])
    engine = Engine(
        spec, data=data, run_dir=run_dir, device=device, seed=seed, quiet=quiet, callbacks=callbacks
    )
    engine.config["run"]["data_dir"] = None if data_dir is None else str(Path(data_dir).resolve())
    if resume is not None:
        engine.resume(run_dir)
    result = engine.run()
    return result if return_result else result.model


def spec_from_config(cfg: dict[str, Any], overrides: dict[str, dict[str, Any]] | None = None) -> RunSpec:
    """Rebuild the :class:`RunSpec` recorded in a run's ``config.json`` (plus optional overrides)."""
    comps = cfg["components"]
    merged: dict[str, dict[str, Any]] = {role: dict(c["params"]) for role, c in comps.items()}
    merged["dataset"] = dict(cfg["dataset"]["params"])
    merged["train"] = {k: v for k, v in cfg["train"].items() if k not in ("seed", "steps_done")}
    for section, values in (overrides or {}).items():
        merged.setdefault(section, {}).update(values)
    return resolve(
        get_registry(),
        cfg["family"],
        dataset=cfg["dataset"]["name"],
        generator=comps["generator"]["name"],
        discriminator=comps["discriminator"]["name"],
        loss=comps["loss"]["name"],
        trainer=comps["trainer"]["name"],
        overrides=merged,
    )
