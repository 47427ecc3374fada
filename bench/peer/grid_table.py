"""The markdown table of bench/peer/grid-side-by-side.sh (issue 10): babyssa's lockstep engine at K models against
the best PyTorch grid number at the same K, one model against compiled PyTorch, and 128×64 against eager PyTorch.

    python3 bench/peer/grid_table.py DIR_OR_RESULTS_JSONL [--jsonl OUT] [--command "..."]

It reads what the script wrote (file names below); a measurement that is missing shows as "-", so the table can be
made from a command cut short. --jsonl also writes every file read as one line {"file", "json" or "text"}, the form
that comes back from the GPU machine in one file and that this script reads again.
"""
import argparse
import datetime
import json
import os
import statistics

GRID_KS = [1, 3, 9, 15]
TARGETS = "K = 9: >= 1,000 model-steps/s and >= 2.5x the best PyTorch grid; one model >= 1.0x compiled PyTorch " \
          "(moonshot 2x); 128x64 >= 1.0x PyTorch eager"


def parse(text):
    """A JSON document, or JSON lines (a list), or else the text itself (shown as unreadable, never fatal)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError:
            return text


def load(path):
    """{file name: parsed JSON or text} from the script's folder or from a results .jsonl."""
    if os.path.isdir(path):
        files = {}
        for name in sorted(os.listdir(path)):
            if name.endswith(".json") or name in ("stages.tsv", "versions.txt"):
                with open(os.path.join(path, name)) as f:
                    files[name] = parse(f.read()) if name.endswith(".json") else f.read()
        return files
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return {line["file"]: line["json"] if "json" in line else line["text"] for line in lines}


def ours_rates(data):
    """{K: (model-steps/s, how it was read)} from bench/lockstep.ts's JSON: per-K entries (a list, bare or under
    "results") with k and modelStepsPerSecond (all K models together), or else stepsPerSecond (steps of the group)."""
    entries = data if isinstance(data, list) else data.get("results", [data]) if isinstance(data, dict) else []
    rates = {}
    for entry in entries:
        if not isinstance(entry, dict) or "k" not in entry:
            continue
        k = int(entry["k"])
        if "modelStepsPerSecond" in entry:
            rates[k] = (float(entry["modelStepsPerSecond"]), "modelStepsPerSecond")
        elif "stepsPerSecond" in entry:
            rates[k] = (float(entry["stepsPerSecond"]) * k, "stepsPerSecond x K")
    return rates


def processes(files, prefix="processes-compile-"):
    """The K concurrent compiled processes: their results, in process order."""
    found = [(int(name[len(prefix):-len(".json")]), data) for name, data in files.items()
             if name.startswith(prefix) and name.endswith(".json")]
    return [data for _, data in sorted(found, key=lambda pair: pair[0])]


def together(runs):
    """Sum of the processes' model-steps/s, K x steps over the whole span, and the share of the mean run that all
    of them spent running at once."""
    span = max(r["endedAt"] for r in runs) - min(r["startedAt"] for r in runs)
    common = min(r["endedAt"] for r in runs) - max(r["startedAt"] for r in runs)
    return {"sum": sum(r["modelStepsPerSecond"] for r in runs), "span": sum(r["steps"] for r in runs) / span,
            "overlap": max(common, 0) / statistics.mean(r["seconds"] for r in runs)}


def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def ratio(a, b):
    return "-" if a is None or not b else f"**{a / b:.2f}**"


def rate(files, name, key="modelStepsPerSecond"):
    return files[name][key] if name in files else None


def grid_rows(files, ours):
    rows, concurrent = [], processes(files)
    for k in sorted(set(GRID_KS) | set(ours)):
        select, split = rate(files, f"vmap-select-k{k}.json"), rate(files, f"vmap-split-k{k}.json")
        compiled = rate(files, "compile-softmax-16x32.json") if k == 1 else (
            together(concurrent)["sum"] if len(concurrent) == k else None)
        candidates = {"vmap select": select, "vmap split": split, "compiled": compiled,
                      "eager": rate(files, "eager-softmax-16x32.json") if k == 1 else None}
        best = max(((v, n) for n, v in candidates.items() if v is not None), default=(None, None))
        mine = ours.get(k, (None, None))[0]
        rows.append(f"| {k} | {fmt(mine)} | {fmt(select)} | {fmt(split)} | {fmt(compiled)} | "
                    f"{fmt(best[0])}{f' ({best[1]})' if best[1] else ''} | {ratio(mine, best[0])} |")
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("source", help="the script's folder, or a results .jsonl")
    p.add_argument("--jsonl", help="also write every file read here, one JSON line each")
    p.add_argument("--command", default="bash .gpu/run.sh bash bench/peer/grid-side-by-side.sh")
    args = p.parse_args()
    files = load(args.source)
    if args.jsonl:
        with open(args.jsonl, "w") as f:
            for name, data in files.items():
                f.write(json.dumps({"file": name, "text" if isinstance(data, str) else "json": data}) + "\n")
    ours = ours_rates(files["ours-16x32.json"]) if "ours-16x32.json" in files else {}
    ours_big = ours_rates(files["ours-128x64.json"]).get(1, (None, None))[0] if "ours-128x64.json" in files else None
    peers = [d for n, d in files.items() if isinstance(d, dict) and d.get("impl") == "pytorch"]
    peer = peers[0] if peers else {}
    versions = files.get("versions.txt", "").strip().replace("\n", "; ")

    print(f"- date: {datetime.date.today().isoformat()}; command: `{args.command}`")
    print(f"- GPU: {peer.get('device', '?')}; versions: {versions or '?'}")
    print(f"- PyTorch: torch {peer.get('torch', '?')}, transformers {peer.get('transformers', '?')}, float32 matmuls "
          f"{json.dumps(peer.get('precision', {}))} (PyTorch's defaults); dropout 0.1, BabyBERTa masking on random ids, "
          "AdamW lr 1e-4, clip 1.0; SSA n fixed (1.5 or 2), b = 0.8; mixed = softmax, ssa-1.5, ssa-2 in turn")
    read = sorted({how for _, how in ours.values()})
    print(f"- babyssa: bench/lockstep.ts{' (read from ' + ', '.join(read) + ')' if read else ': no per-K rates found'}")
    print(f"- targets: {TARGETS}")
    print()
    print("K models at batch 16 x 32, softmax and SSA mixed: model-steps/s, all K models together")
    print()
    print("| K | babyssa lockstep | PyTorch vmap, one ensemble | PyTorch vmap, one per function | PyTorch compiled, "
          "K processes | best PyTorch | babyssa / best |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(grid_rows(files, ours)))
    print()
    print("One model, 16 x 32: steps/s")
    print()
    print("| PyTorch | softmax | ssa-1.5 |")
    print("|---|---|---|")
    for mode in ["eager", "compile"]:
        print(f"| {mode} | {fmt(rate(files, f'{mode}-softmax-16x32.json'))} | {fmt(rate(files, f'{mode}-ssa-1.5-16x32.json'))} |")
    mine = ours.get(1, (None, None))[0]
    print(f"\nbabyssa K = 1: {fmt(mine)} steps/s; / compiled PyTorch softmax: {ratio(mine, rate(files, 'compile-softmax-16x32.json'))}")
    eager_big = rate(files, "eager-softmax-128x64.json")
    print(f"\n128 x 64, one model: babyssa {fmt(ours_big)} steps/s, PyTorch eager softmax {fmt(eager_big)} steps/s: "
          f"{ratio(ours_big, eager_big)}")
    concurrent = processes(files)
    if concurrent:
        t = together(concurrent)
        print(f"\n{len(concurrent)} compiled processes at once ({concurrent[0]['steps']} timed steps each): "
              f"{fmt(t['sum'])} model-steps/s summed, {fmt(t['span'])} over the whole span, all running together for "
              f"{t['overlap']:.0%} of a run; barrier complete in {sum(bool((r['barrier'] or {}).get('complete')) for r in concurrent)}"
              f" of {len(concurrent)}")
        print()
        print("| process | variant | steps/s | first step (compilation), s |")
        print("|---|---|---|---|")
        for i, r in enumerate(concurrent):
            print(f"| {i} | {r['attention']} | {fmt(r['stepsPerSecond'])} | {fmt(r['firstStepSeconds'])} |")
    if "stages.tsv" in files:
        print("\n| stage | exit | wall s |")
        print("|---|---|---|")
        for line in files["stages.tsv"].strip().splitlines():
            print("| " + " | ".join(line.split("\t")) + " |")


if __name__ == "__main__":
    main()
