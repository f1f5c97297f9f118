"""Fine-tuning with the Hugging Face Trainer and DeepSpeed: heads, features, intermediate phase.

Public entry points (import them from their modules; this package imports nothing heavy):

- `harness.train.runner.train_task` / `predict`: one task, one head (pair classification,
  token classification, extractive QA, multiple choice).
- `harness.train.multitask.train_multitask`: several tasks, one shared encoder, one head per
  task, examples-proportional sampling with a cap.
- `harness.train.mlm.train_mlm`: continued masked-language-model training.
- `harness.train.heads.save_encoder_only`: only the encoder passes from the intermediate phase
  to the target phase.

DeepSpeed. Every training takes `deepspeed=`: "zero2" (the default,
`harness/train/deepspeed/zero2.json`: ZeRO-2, bf16 "auto" i.e. on when the GPU has it, torch's
AdamW so nothing compiles), "zero3_offload" (ZeRO-3 with the optimizer state in CPU memory,
16-bit weights gathered on save), the path of any DeepSpeed JSON file ("auto" values are filled
from the hyperparameters by the HF Trainer), or None / "none" for the plain Trainer.

Several GPUs, several machines. The code is the same; the launcher sets the world:

    deepspeed --num_gpus 8 -m harness run --suite xtreme ...
    torchrun --nproc_per_node 8 -m harness run --suite xtreme ...
    # two machines, 8 GPUs each (run on both; node_rank 0 and 1):
    torchrun --nnodes 2 --node_rank 0 --master_addr HOST0 --master_port 29500 \
        --nproc_per_node 8 -m harness run --suite xtreme ...
    # or a DeepSpeed hostfile ("host0 slots=8" per line):
    deepspeed --hostfile hostfile -m harness run --suite xtreme ...

Every process trains its shard of each batch; only rank 0 writes models, predictions and
results (`harness.train.distributed.is_main_process`). Without a launcher, one process runs
DeepSpeed in a world of one; on a machine without CUDA it uses DeepSpeed's CPU accelerator
and gloo (`torchrun --nproc_per_node 2` works on CPU as well, which the tests use).
"""
