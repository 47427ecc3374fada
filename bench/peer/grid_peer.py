"""The PyTorch peers of bench/lockstep.ts (issue 10): transformers' RobertaForMaskedLM trained the ways a PyTorch user
would train a grid of K models, on random ids with BabyBERTa masking, timed like bench/train.ts (warm-up steps not
timed, the device synchronised around the timed steps, the clock stopped when the last loss is read).

  eager    one model, as train_peer.py (AdamW's default implementation, clip_grad_norm_'s default)
  compile  one model through torch.compile(mode="reduce-overhead") (CUDA graphs), fused AdamW, foreach clip
  vmap     K models in one process, torch.func's ensembling recipe (ensemble.py), fused AdamW on CUDA
  --processes K (eager, compile): K such processes at once, one model each, started together after their warm-up

    python3 bench/peer/grid_peer.py --mode vmap --attention mixed --k 1,3,9,15 --json 'out/vmap-k{k}.json'
    python3 bench/peer/grid_peer.py --mode compile --attention mixed --processes 9 --steps 2000 --json 'out/p{i}.json'

Float32 matmuls run at PyTorch's default precision (TF32 off for matmuls), as train_peer.py; the JSON records it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ensemble import ADAMW, MAX_NORM, Ensemble  # noqa: E402
from train_peer import PRESETS, babyberta_mask, random_batch, roberta_config  # noqa: E402

# The grid's variants as `babyssa sweep --attention` names them: ssa-<n> is SSA with n fixed, b = 0.8 fixed, per layer.
SSA_N = {"softmax": None, "ssa-1.5": 1.5, "ssa-2": 2.0}
SSA_B = 0.8
MIXED = list(SSA_N)  # a mixed grid cycles softmax, ssa-1.5, ssa-2: member i is MIXED[i % 3], seed base + i
BATCHES = 4  # masked batches per member, cycled, as bench/train.ts: the timed loop measures training, not data
BARRIER_TIMEOUT_S = 150  # how long K processes wait for each other's compilation (grid-side-by-side.sh caps them at 200 s)
MIXING = {
    "select": "one ensemble; a member's attention is chosen by a per-layer flag buffer (mixed_attention_forward: both "
              "softmax and SSA computed, torch.where keeps one), so K models cost one vmapped pass",
    "split": "one ensemble per attention function (softmax members; SSA members with their own n), stepped in turn",
}


def grid_variants(attention, k):
    """The variant of each of K members: one variant K times, or the mixed cycle."""
    return [MIXED[i % len(MIXED)] for i in range(k)] if attention == "mixed" else [attention] * k


def build_member(preset, variant, seed, device, impl):
    """One member, initialised from its own seed. impl: "sdpa" (transformers' default softmax), "eager" (its plain
    softmax: vmap batches it without relying on SDPA's batching rules), "ssa" or "mixed" (ssa_attention.py)."""
    from transformers import RobertaForMaskedLM
    from ssa_attention import fresh_mixed, fresh_ssa

    torch.manual_seed(seed)
    model = RobertaForMaskedLM(roberta_config(preset))
    n = SSA_N[variant]
    if impl == "mixed":
        fresh_mixed(model, n is None, n or SSA_N["ssa-1.5"], SSA_B)  # a softmax member's n, b are never used
    elif impl == "ssa":
        fresh_ssa(model, n, SSA_B)
    elif impl == "eager":
        model.set_attn_implementation("eager")
    return model.to(device).train()


def member_batches(args, seed, vocab, device):
    """A member's BATCHES masked batches (inputs, labels [B, T]) from its own generator."""
    g = torch.Generator().manual_seed(seed)
    return [tuple(t.to(device) for t in babyberta_mask(random_batch(args.batch, args.seq, vocab, g), vocab, g))
            for _ in range(BATCHES)]


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def wait_for_peers(folder, count, timeout_s=BARRIER_TIMEOUT_S, poll_s=0.002):
    """Marks this process ready in `folder` and waits until `count` are, so K processes time the same seconds."""
    os.makedirs(folder, exist_ok=True)
    os.close(tempfile.mkstemp(suffix=".ready", dir=folder)[0])  # a new name for every process
    began = time.monotonic()
    while True:
        ready = sum(name.endswith(".ready") for name in os.listdir(folder))
        waited = time.monotonic() - began
        if ready >= count or waited > timeout_s:
            return {"complete": ready >= count, "ready": ready, "count": count, "waitedSeconds": round(waited, 3)}
        time.sleep(poll_s)


def timed(step, warmup, steps, device, barrier=None):
    """Runs `warmup` untimed steps (the first one alone timed too: compilation), then waits at the barrier, then
    times `steps` steps; step(i) returns the detached loss(es) of step i."""
    began = time.perf_counter()
    step(0)
    sync(device)
    first_step_s = time.perf_counter() - began
    for i in range(1, warmup):
        step(i)
    sync(device)
    warmup_s = time.perf_counter() - began
    waited = barrier() if barrier else None
    sync(device)
    started_at, start = time.time(), time.perf_counter()
    for i in range(steps):
        loss = step(warmup + i)
    last_loss = loss.tolist()  # reading the loss waits for the GPU, like bench/train.ts's last await
    sync(device)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "firstStepSeconds": first_step_s, "warmupSeconds": warmup_s, "startedAt": started_at,
            "endedAt": time.time(), "lastLoss": last_loss, "barrier": waited}


def precision_settings():
    """Float32 matmul settings as read (PyTorch's defaults, never changed here); None where this torch lacks one."""
    reads = {"matmulAllowTf32": lambda: torch.backends.cuda.matmul.allow_tf32,
             "float32MatmulPrecision": torch.get_float32_matmul_precision,
             "matmulFp32Precision": lambda: torch.backends.cuda.matmul.fp32_precision,
             "cudnnAllowTf32": lambda: torch.backends.cudnn.allow_tf32}
    settings = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch >= 2.9 warns that allow_tf32 gives way to fp32_precision
        for name, read in reads.items():
            try:
                value = read()
                settings[name] = value if isinstance(value, (bool, str)) else str(value)
            except (AttributeError, AssertionError, RuntimeError):  # an unknown name raises AssertionError in torch.backends.cuda
                settings[name] = None
    return settings


def compile_counters():
    """Graph breaks, graphs and CUDA-graph skips as torch._dynamo counted them (internal: None where absent)."""
    try:
        from torch._dynamo.utils import counters
    except ImportError:
        return None
    return {"graphBreaks": sum(counters["graph_break"].values()), "uniqueGraphs": counters["stats"]["unique_graphs"],
            "cudagraphSkips": counters["inductor"]["cudagraph_skips"]}


def run_single(args, device):
    """eager or compile: one model, one variant."""
    compiled = args.mode == "compile"
    impl = "sdpa" if args.attention == "softmax" else "ssa"
    model = build_member(args.preset, args.attention, args.seed, device, impl)
    batches = member_batches(args, args.seed, model.config.vocab_size, device)
    params = [p for p in model.parameters() if p.requires_grad]
    # Fused AdamW, foreach clip and CUDA graphs need CUDA tensors (a CPU dry run compiles without them); eager keeps
    # train_peer.py's defaults.
    graphs = compiled and device.type == "cuda"
    optimizer = torch.optim.AdamW(params, **ADAMW, **({"fused": True} if graphs else {}))
    # dynamic=False: the shapes never change, so no recompilation to dynamic shapes can be triggered.
    forward = torch.compile(model, mode="reduce-overhead", dynamic=False) if compiled else model

    def step(i):
        inputs, labels = batches[i % BATCHES]
        optimizer.zero_grad(set_to_none=True)
        if graphs:
            torch.compiler.cudagraph_mark_step_begin()  # a new iteration: the last one's graph outputs may be reused
        loss = forward(input_ids=inputs, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, MAX_NORM, **({"foreach": True} if graphs else {}))
        optimizer.step()
        # A CUDA graph's output lives in memory the next replay overwrites: keep a copy.
        return loss.detach().clone() if graphs else loss.detach()

    barrier = (lambda: wait_for_peers(args.barrier, args.barrier_count, args.barrier_timeout)) if args.barrier else None
    timing = timed(step, args.warmup, args.steps, device, barrier)
    extra = {"optimizer": "AdamW fused" if graphs else "AdamW (default implementation)",
             "clip": "clip_grad_norm_ foreach" if graphs else "clip_grad_norm_ (default)",
             "attnImplementation": model.config._attn_implementation}
    if compiled:
        extra["compile"] = {"mode": "reduce-overhead", "dynamic": False, "cudaGraphs": graphs, **(compile_counters() or {})}
    yield 1, [args.attention], timing, extra


def ensembles_for(args, variants, device, build):
    """The vmap ensembles of one K and their attention implementations."""
    functions = ["softmax" if v == "softmax" else "ssa" for v in variants]
    if len(set(functions)) == 1 or args.mixing == "select":
        impl = {"softmax": "eager", "ssa": "ssa"}[functions[0]] if len(set(functions)) == 1 else "mixed"
        groups = [(impl, list(range(len(variants))))]
    else:
        groups = [(impl, [i for i, f in enumerate(functions) if f == function])
                  for impl, function in [("eager", "softmax"), ("ssa", "ssa")]]
    return [(impl, members, Ensemble([build(i, impl) for i in members], fused=device.type == "cuda"))
            for impl, members in groups]


def run_vmap(args, device):
    """vmap: for each K in turn, K models in torch.func ensembles (members and their data shared across the Ks)."""
    variants = grid_variants(args.attention, max(args.k))
    models, data = {}, {}

    def build(i, impl):
        if (i, impl) not in models:
            models[(i, impl)] = build_member(args.preset, variants[i], args.seed + i, device, impl)
        if i not in data:
            data[i] = member_batches(args, args.seed + i, models[(i, impl)].config.vocab_size, device)
        return models[(i, impl)]

    for k in args.k:
        ensembles = ensembles_for(args, variants[:k], device, build)
        stacked = [[(torch.stack([data[i][j][0] for i in members]), torch.stack([data[i][j][1] for i in members]))
                    for j in range(BATCHES)] for _, members, _ in ensembles]  # [K, B, T] per ensemble and batch

        def step(i):
            return torch.cat([e.step(*batches[i % BATCHES]) for (_, _, e), batches in zip(ensembles, stacked)])

        timing = timed(step, args.warmup, args.steps, device)
        mixing = args.mixing if len(ensembles) > 1 or ensembles[0][0] == "mixed" else "none (one attention function)"
        extra = {"optimizer": "AdamW fused on the stacked parameters" if device.type == "cuda" else "AdamW on the stacked parameters",
                 "clip": "global norm per member (ensemble.clip_per_member_)",
                 "attnImplementation": ",".join(e.base.config._attn_implementation for _, _, e in ensembles),
                 "vmap": {"recipe": "torch.func.vmap(functional_call, randomness='different') over stacked parameters",
                          "mixing": mixing, "why": MIXING.get(mixing, "every member computes the same function"),
                          "ensembles": [{"attnImplementation": e.base.config._attn_implementation,
                                         "members": [variants[i] for i in members]} for _, members, e in ensembles]}}
        yield k, variants[:k], timing, extra


def run_processes(args):
    """K processes of one model each (member i: its variant, seed + i), started together through a barrier folder;
    each writes its own JSON and its log beside it. Returns the number that failed."""
    variants = grid_variants(args.attention, args.processes)
    barrier = tempfile.mkdtemp(prefix="grid-barrier-")
    # Compilation threads shared out between the K processes (Inductor's default is one per core in each).
    env = {"TORCHINDUCTOR_COMPILE_THREADS": str(max(1, (os.cpu_count() or 1) // args.processes)), **os.environ}
    common = [sys.executable, os.path.abspath(__file__), "--mode", args.mode, "--preset", args.preset, "--batch",
              str(args.batch), "--seq", str(args.seq), "--steps", str(args.steps), "--warmup", str(args.warmup),
              "--device", args.device, "--barrier", barrier, "--barrier-count", str(args.processes),
              "--barrier-timeout", str(args.barrier_timeout)]
    children = []
    for i, variant in enumerate(variants):
        path = args.json.replace("{i}", str(i))
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path + ".log", "w") as log:
            command = [*common, "--attention", variant, "--seed", str(args.seed + i), "--json", path]
            children.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env))
    codes = [None] * len(children)
    while None in codes:  # a process that dies is marked ready in its stead: the others do not wait for it
        for i, child in enumerate(children):
            if codes[i] is None and child.poll() is not None:
                codes[i] = child.returncode
                if codes[i] != 0:
                    open(os.path.join(barrier, f"process-{i}-exited.ready"), "w").close()
        time.sleep(0.1)
    for i, code in enumerate(codes):
        print(f"process {i} ({variants[i]}): exit {code}; log in {args.json.replace('{i}', str(i))}.log", file=sys.stderr)
    return sum(code != 0 for code in codes)


def result_json(args, device, k, variants, timing, extra):
    steps_per_s = args.steps / timing["seconds"]
    return {
        "impl": "pytorch", "mode": args.mode, "preset": args.preset, "attention": args.attention, "variants": variants,
        "k": k, "batch": args.batch, "seq": args.seq, "steps": args.steps, "warmup": args.warmup, "seed": args.seed,
        **timing, "stepsPerSecond": steps_per_s, "modelStepsPerSecond": k * steps_per_s,
        "tokensPerSecond": k * steps_per_s * args.batch * args.seq, **extra,
        "precision": precision_settings(),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__, "transformers": getattr(sys.modules.get("transformers"), "__version__", None),
        "argv": args.argv,
    }


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["eager", "compile", "vmap"], required=True)
    p.add_argument("--attention", choices=[*SSA_N, "mixed"], default="softmax",
                   help="mixed: members cycle softmax, ssa-1.5, ssa-2 (vmap only)")
    p.add_argument("--k", default="1", help="models per measurement; vmap takes a list (1,3,9,15)")
    p.add_argument("--mixing", choices=sorted(MIXING), default="select",
                   help="vmap with mixed attention: " + "; ".join(f"{k}: {v}" for k, v in MIXING.items()))
    p.add_argument("--preset", choices=sorted(PRESETS), default="babyberta")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=32)
    p.add_argument("--steps", type=int, default=300, help="timed steps")
    p.add_argument("--warmup", type=int, default=10, help="untimed steps first (compilation, CUDA-graph recording)")
    p.add_argument("--seed", type=int, default=0, help="member i is initialised and fed from seed + i")
    p.add_argument("--processes", type=int, default=1, help="eager, compile: run this many processes at once")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--barrier", help="folder where concurrent processes wait for each other before the timed steps")
    p.add_argument("--barrier-count", type=int, default=1, help="how many processes --barrier waits for")
    p.add_argument("--barrier-timeout", type=float, default=BARRIER_TIMEOUT_S)
    p.add_argument("--json", help="write the result here ({k}: K, {i}: the process); without it, print it on stdout")
    args = p.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    try:
        args.k = [int(k) for k in args.k.split(",")]
    except ValueError:
        p.error(f"--k must be a comma-separated list of integers, got {args.k!r}")
    if min(args.k) < 1:
        p.error("--k values must be >= 1")
    if args.mode != "vmap" and (args.k != [1] or (args.attention == "mixed" and args.processes == 1)):
        p.error(f"--mode {args.mode} trains one model: --k 1 and one of {', '.join(SSA_N)} (K models at once: "
                "--processes K, or --mode vmap)")
    if args.processes < 1 or (args.processes > 1 and (args.mode == "vmap" or not args.json or "{i}" not in args.json)):
        p.error("--processes K needs --mode eager or compile and a --json with '{i}', one file per process")
    if args.json and len(args.k) > 1 and "{k}" not in args.json:
        p.error("several --k values need a '{k}' in --json, one file per K")
    if not 3 <= args.seq <= 128:
        p.error("--seq must be 3..128 (BabyBERTa's 130 position slots)")
    if args.steps < 1 or args.warmup < 1:
        p.error("--steps and --warmup must be >= 1")
    if args.mode == "compile" and not hasattr(torch, "compile"):
        p.error(f"--mode compile needs torch.compile (torch >= 2.0); this is torch {torch.__version__}")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.processes > 1:
        sys.exit(1 if run_processes(args) else 0)
    device = torch.device(args.device)
    # Each result is written as soon as it is measured: a run stopped at its time limit keeps the Ks it finished.
    for k, variants, timing, extra in (run_vmap if args.mode == "vmap" else run_single)(args, device):
        result = result_json(args, device, k, variants, timing, extra)
        print(f"pytorch {args.mode} {args.attention} K={k} {args.batch}x{args.seq}: {result['stepsPerSecond']:.2f} steps/s, "
              f"{result['modelStepsPerSecond']:.1f} model-steps/s on {result['device']} (first step "
              f"{timing['firstStepSeconds']:.1f} s, warm-up {timing['warmupSeconds']:.1f} s)", file=sys.stderr)
        if args.json:
            path = args.json.replace("{k}", str(k))
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "w") as f:
                json.dump(result, f, indent=1)
        else:
            print(json.dumps(result))


if __name__ == "__main__":
    main()
