"""Run by torchrun in test_distributed.py: train each family a few steps, dump this rank's weights."""

import shutil
import sys

import torch.distributed as dist
from safetensors.torch import save_file

import ganzoo

data_dir, out, families = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
for family in families:
    model = ganzoo.train(
        family,
        dataset="mnist",
        data_dir=data_dir,
        steps=3,
        out=f"{out}/{family}",
        device="cpu",
        overrides={
            "generator": {"width": 8, "noise_dim": 8},
            "discriminator": {"width": 8},
            "train": {"batch_size": 8, "log_every": 1, "checkpoint_every": 2},
        },
    )
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, f"{out}/{family}-rank{dist.get_rank()}.safetensors")
# resume under DDP: continue a copy of the dcgan run from its last checkpoint (step 3) to step 5
if dist.get_rank() == 0:
    shutil.copytree(f"{out}/dcgan", f"{out}/dcgan-resumed")
dist.barrier()
model = ganzoo.train(resume=f"{out}/dcgan-resumed", steps=5, device="cpu")
state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
save_file(state, f"{out}/dcgan-resumed-rank{dist.get_rank()}.safetensors")
dist.destroy_process_group()
