# One training job per pack: small cells of a study share a process one after another, big cells
# train alone (scalinglaws.train.packing). A pack's declared outputs are every file of its cells;
# the cells' settings are a parameter, so changing one cell reruns its pack only. Each cell is
# evaluated on the test split and every OOD set at the end of its training, in the same job.
# The profile's settings for `train` (set-resources, set-threads) apply to every pack's rule.


for pack in PACKS:
    inherit_profile_resources("train", pack.rule_name)

    rule:
        name:
            pack.rule_name
        input:
            train=SHARDS["train"],
            test=SHARDS["test"],
            ood=list(OOD_SHARDS.values()),
            lr_rule=pack_lr_rule(pack),
            **pack_prediction_input(pack),
        output:
            pack_outputs(pack),
        params:
            cells=pack_cells_json(pack),
            pack=pack.name,
            eval_shards=" ".join(f"--eval-shard {name}={path}" for name, path in OOD_SHARDS.items()),
            windows=config["evaluate"]["windows"],
            lr_rule=" ".join(f"--lr-rule {path}" for path in pack_lr_rule(pack)),
        log:
            f"logs/train/{pack.name}.log",
        threads: config["train"]["threads"]
        # the biggest packs start first, so the last jobs to finish are short ones
        priority: PACK_PRIORITY[pack.name]
        conda:
            CONDA_ENV
        shell:
            "python -m scalinglaws.train --cells-json {params.cells:q} --runs-dir results/runs --pack {params.pack} "
            "--train-shard {input.train} --test-shard {input.test} {params.eval_shards} "
            "--final-windows {params.windows} {params.lr_rule} 2> {log}"
