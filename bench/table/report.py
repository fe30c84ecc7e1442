#!/usr/bin/env python3
"""Prints a Table-1-shaped comparison (Karimi Mahabadi et al. 2021) from Hyperformer Workbench run
stores: one row per method, the trainable-parameter columns, each task's score and the average as
mean ± standard deviation over the seeds, and each row's exact commands below the table.

  report.py STORE.db [STORE.db ...] [--eval-dir DIR] [--commands FILE] [--data DIR] [--markdown]

Scores: with --eval-dir, each run's DIR/<run name>.txt (the output of `hyperformer eval --checkpoint
best --split test`) gives the test-split scores of its best checkpoint (best = highest validation
average). A run without one is scored from the store itself: its validation scores at the best
checkpoint's step. The table says which split each row comes from. A task's score is the mean of
its metrics (MRPC (F1 + acc) / 2, STS-B (Pearson + Spearman) / 2: the project's task score); a
run's average is the mean of its task scores; mean ± sample standard deviation (n - 1) over seeds.

Rows (from each run's stored config): full_finetune -> Fine-tuning, adapters -> Adapters (single-task
runs of one seed form one model set, their parameters summed), adapters_shared_norms -> Adapters†,
hyperformer -> Hyperformer, hyperformer_pp -> Hyperformer++. Parameters: ParameterReport as each run
stored it; "per task" = total trainable / number of tasks, as a % of the backbone's parameters.
Reads the stores with python3's sqlite3 (read-only), so runs may still be writing.
"""
import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
from collections import defaultdict

ROWS = [
    ("full_finetune", "Fine-tuning (multi-task)"),
    ("adapters", "Adapters (one per task)"),
    ("adapters_shared_norms", "Adapters† (multi-task)"),
    ("hyperformer", "Hyperformer"),
    ("hyperformer_pp", "Hyperformer++"),
]
TASK_TITLES = {"cola": "CoLA", "sst2": "SST-2", "mrpc": "MRPC", "qqp": "QQP", "stsb": "STS-B",
               "mnli": "MNLI", "qnli": "QNLI", "rte": "RTE"}
METRIC_TITLES = {"mcc": "MCC", "accuracy": "acc", "f1": "F1", "pearson": "Pearson",
                 "spearman": "Spearman"}
# The paper's metric order within a cell (F1/acc, Pearson/Spearman).
METRIC_ORDER = ["mcc", "f1", "accuracy", "pearson", "spearman"]
PAPER_ORDER = ["cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "qnli", "rte"]


def order(task):
    return PAPER_ORDER.index(task) if task in PAPER_ORDER else len(PAPER_ORDER)


def read_store(path):
    db = sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True)
    db.execute("PRAGMA busy_timeout = 5000")
    cols = {r[1] for r in db.execute("PRAGMA table_info(runs)")}
    has_params = "parameters_json" in cols
    runs = []
    for row in db.execute(
            "SELECT id, name, status, config_json, device, started_at_ms, ended_at_ms"
            + (", parameters_json" if has_params else "") + " FROM runs ORDER BY id"):
        run = {"store": path, "id": row[0], "name": row[1], "status": row[2],
               "config": json.loads(row[3]), "device": row[4],
               "seconds": (row[6] - row[5]) / 1000 if row[6] else None,
               "params": json.loads(row[7]) if has_params and row[7] else None}
        best = db.execute("SELECT step FROM checkpoints WHERE run_id = ? AND best = 1 "
                          "ORDER BY step DESC LIMIT 1", (run["id"],)).fetchone()
        if best is None:  # no best flag (an old or unfinished run): the best stored average
            best = db.execute("SELECT step FROM metrics WHERE run_id = ? AND split = 'validation' "
                              "AND task = '' AND metric = 'average' ORDER BY value DESC, step "
                              "LIMIT 1", (run["id"],)).fetchone()
        run["best_step"] = best[0] if best else None
        scores = defaultdict(dict)
        if best:
            for task, metric, value in db.execute(
                    "SELECT task, metric, value FROM metrics WHERE run_id = ? AND split = "
                    "'validation' AND step = ? AND task != ''", (run["id"], best[0])):
                if metric != "score":
                    scores[task][metric] = value
        run["validation"] = dict(scores)
        runs.append(run)
    db.close()
    return runs


EVAL_HEAD = re.compile(r"^run (\d+), (\S+) checkpoint, (\S+) split: average (\S+)")
EVAL_TASK = re.compile(r"^\s+(\S+): score ([^,\s]+)((?:, \w+ [^,\s]+)*) \((\d+) examples\)")


def read_eval(path):
    """`hyperformer eval` output -> (split, {task: {metric: value}}, {task: examples})."""
    split, scores, examples = None, {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            m = EVAL_HEAD.match(line)
            if m:
                split = m.group(3)
                continue
            m = EVAL_TASK.match(line)
            if m and split:
                pairs = re.findall(r", (\w+) ([^,\s]+)", m.group(3))
                scores[m.group(1)] = {k: float(v) for k, v in pairs}
                examples[m.group(1)] = int(m.group(4))
    return (split, scores, examples) if split and scores else (None, {}, {})


def task_names(config):
    names = []
    for t in config["data"]["tasks"]:
        if isinstance(t, str):
            names.append(t)
        else:
            names.append(t["custom"]["name"] if "custom" in t else t["glue"])
    return names


def mean_std(values):
    if not values:
        return None, None
    m = statistics.fmean(values)
    return m, (statistics.stdev(values) if len(values) > 1 else None)


def fmt(values, digits=1):
    m, s = mean_std(values)
    if m is None:
        return "–"
    return f"{m:.{digits}f}" if s is None else f"{m:.{digits}f} ± {s:.{digits}f}"


def human(n):
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.1f}k"


def loop_command(runs, commands):
    """One shell line that reproduces a row's runs: its first run's commands with the run name's
    seed (and task) made loop variables, checked against every run's recorded commands."""
    names = [r["name"] for r in runs]
    if not all(n in commands for n in names):
        return None
    parsed = []
    for r in runs:
        m = re.fullmatch(r"(.+?)(?:-([A-Za-z0-9_]+))?-s(\d+)", r["name"])
        if not m:
            return " ; ".join(" && ".join(commands[n]) for n in names)
        parsed.append((m.group(1), m.group(2), m.group(3), r["name"]))
    key = parsed[0][0]
    tasks = list(dict.fromkeys(p[1] for p in parsed))
    seeds = list(dict.fromkeys(p[2] for p in parsed))
    per_task = tasks != [None]
    pattern = f"{key}-$t-s$s" if per_task else f"{key}-s$s"
    first = parsed[0][3]
    template = [c.replace(first, pattern) for c in commands[first]]
    for k, t, s, name in parsed:
        expected = [c.replace("$t", t or "").replace("$s", s) for c in template]
        if k != key or expected != list(commands[name]):
            return " ; ".join(" && ".join(commands[n]) for n in names)
    body = " && ".join(template)
    line = f"for s in {' '.join(seeds)}; do {body}; done"
    if per_task:
        line = f"for t in {' '.join(tasks)}; do {line}; done"
    return line


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("stores", nargs="+")
    p.add_argument("--eval-dir", help="folder of `hyperformer eval --split test` outputs, "
                                      "<run name>.txt")
    p.add_argument("--commands", help="commands.tsv of run_table_gpu.sh: run name, train "
                                      "command, eval command")
    p.add_argument("--data", help="the data folder (for the notes)")
    p.add_argument("--markdown", action="store_true", help="a markdown table (default: aligned text)")
    args = p.parse_args()

    runs = [r for s in args.stores for r in read_store(s)]
    if not runs:
        sys.exit("report.py: no runs in " + ", ".join(args.stores))
    commands = {}
    if args.commands and os.path.exists(args.commands):
        with open(args.commands) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3:
                    commands[parts[0]] = parts[1:]

    problems = []
    by_row = defaultdict(list)
    unfinished = defaultdict(list)  # variant -> runs that did not finish (shown in the table)
    for r in runs:
        if r["status"] != "finished":
            problems.append(f"run {r['name']} ({r['store']}) is {r['status']}: left out")
            unfinished[r["config"]["variant"]["variant"]].append(r)
            continue
        r["tasks"] = task_names(r["config"])
        r["seed"] = r["config"]["training"]["seed"]
        r["split"], r["scores"], r["examples"] = None, {}, {}
        ev = os.path.join(args.eval_dir, r["name"] + ".txt") if args.eval_dir else None
        if ev and os.path.exists(ev):
            r["split"], r["scores"], r["examples"] = read_eval(ev)
            if not r["split"]:
                problems.append(f"{ev}: no scores in it; run {r['name']} uses validation")
        if not r["split"]:
            r["split"], r["scores"] = "validation", r["validation"]
        by_row[r["config"]["variant"]["variant"]].append(r)

    all_tasks = sorted({t for r in runs for t in task_names(r["config"])}, key=order)
    metrics_of = {}
    for r in runs:
        for t, values in r.get("scores", {}).items():
            metrics_of.setdefault(t, sorted(values, key=lambda m: METRIC_ORDER.index(m)
                                            if m in METRIC_ORDER else 9))

    header = ["Method", "Seeds", "Trainable params (total)", "Trainable params / task",
              "% of backbone / task"]
    for t in all_tasks:
        header.append(f"{TASK_TITLES.get(t, t)} "
                      + "/".join(METRIC_TITLES.get(m, m) for m in metrics_of.get(t, [])))
    header += ["Avg", "Scores from"]
    table, command_lines, backbone, examples = [], [], None, {}
    extra = [(v, v) for v in list(by_row) + list(unfinished) if v not in dict(ROWS)]
    for variant, title in ROWS + list(dict.fromkeys(extra)):
        row_runs = by_row.get(variant)
        lost = unfinished.get(variant, [])
        if not row_runs:
            if lost:  # a row none of whose runs finished still shows, saying so
                status = ", ".join(sorted({r["status"] for r in lost}))
                table.append([title, "0"] + ["–"] * 3 + ["–"] * len(all_tasks)
                             + ["–", f"none: {len(lost)} runs {status}"])
            continue
        row_runs.sort(key=lambda r: (order(r["tasks"][0]) if variant == "adapters" else 0,
                                     r["seed"]))
        seeds = sorted({r["seed"] for r in row_runs})
        # Parameters: one seed's model (set); every seed trains the same parameters.
        first_seed = [r for r in row_runs if r["seed"] == seeds[0]]
        params = [r["params"] for r in first_seed if r["params"]]
        if params:
            backbone = params[0]["backbone"]
            total = sum(p["trainable"] for p in params)
            n_tasks = sum(p["num_tasks"] for p in params)
            per_task = total / n_tasks
            param_cells = [human(total), human(per_task), f"{100 * per_task / backbone:.3f}%"]
        else:
            param_cells = ["?", "?", "?"]
        # Scores per seed: {seed: {task: {metric: value}}}.
        per_seed = defaultdict(dict)
        for r in row_runs:
            for t, values in r["scores"].items():
                per_seed[r["seed"]][t] = values
            for t, n in r.get("examples", {}).items():
                examples[t] = n
        cells = []
        for t in all_tasks:
            ms = metrics_of.get(t, [])
            parts = [fmt([per_seed[s][t][m] for s in seeds if t in per_seed[s] and
                          m in per_seed[s][t]]) for m in ms]
            cells.append(" / ".join(parts) if parts else "–")
        averages = []
        for s in seeds:
            task_scores = [statistics.fmean(per_seed[s][t].values()) for t in all_tasks
                           if per_seed[s].get(t)]
            if len(task_scores) == len(all_tasks):
                averages.append(statistics.fmean(task_scores))
            else:
                problems.append(f"{title}, seed {s}: scores for {len(task_scores)} of "
                                f"{len(all_tasks)} tasks; no average for it")
        splits = sorted({r["split"] for r in row_runs})
        expected_runs = len(seeds) * (len(all_tasks) if variant == "adapters" else 1)
        if len(row_runs) != expected_runs:
            problems.append(f"{title}: {len(row_runs)} finished runs, expected {expected_runs}")
        source = "+".join(splits) + (f" ({len(lost)} runs not finished)" if lost else "")
        table.append([title, str(len(seeds))] + param_cells + cells + [fmt(averages), source])
        line = loop_command(row_runs, commands) if commands else None
        if line:
            command_lines.append((title, line))

    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(header) - 2) + ["---"]) + "|")
        for row in table:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
        for row in [header] + table:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    print()
    backbones = sorted({r["config"]["backbone"] for r in runs})
    steps = sorted({r["config"]["training"]["steps"] for r in runs})
    print(f"Backbone {', '.join(backbones)}"
          + (f" ({backbone:,} parameters)" if backbone else "")
          + f"; {', '.join(map(str, steps))} training steps per run; mean ± sample standard "
            "deviation over the seeds; every score in %. A task with two metrics shows both "
            "(the paper's F1/acc and Pearson/Spearman); its task score, used in Avg, is their mean. "
            "Avg = mean of the task scores of each seed's model(s), then mean ± std over seeds.")
    splits = {r["split"] for rr in by_row.values() for r in rr}
    if "test" in splits:
        sizes = ", ".join(f"{TASK_TITLES.get(t, t)} {examples[t]}" for t in all_tasks
                          if t in examples)
        print(f"Scores from test: each run's best checkpoint (highest validation average, "
              f"evaluated every {', '.join(sorted({str(r['config']['training']['eval_every']) for r in runs}))} "
              f"steps) evaluated on the test split by `hyperformer eval --split test` ({sizes} "
              "examples).")
    if "validation" in splits:
        print("Scores from validation: the validation scores stored at the best checkpoint's step "
              "(the split that chose that checkpoint, so optimistic).")
    print("Data: SST-2 is official GLUE (validation = 1000 seeded train rows removed from "
          "training; test = the official dev file, 872 rows). CoLA, MRPC, STS-B and RTE are partial "
          "copies, NOT the official GLUE splits (../shared/data/README.md): validation and test "
          "are the two seeded halves (data_seed 42) of their dev files; CoLA, MRPC and STS-B read "
          "as custom tasks (their layouts differ from GLUE's), SST-2 and RTE by the GLUE readers."
          + (f" Files and checksums: {os.path.join(args.data, 'DATA.md')}." if args.data else ""))
    print("Parameters: trainable parameters as each run reported them (ParameterReport); Adapters "
          "sums its per-task runs; per task = total / tasks, and as % of the backbone.")
    if command_lines:
        print()
        print("Commands (run in the output folder; eval output is what the test scores are read "
              "from):")
        print()
        for title, line in command_lines:
            print(f"- {title}: `{line}`" if args.markdown else f"{title}:\n  {line}")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)


if __name__ == "__main__":
    main()
