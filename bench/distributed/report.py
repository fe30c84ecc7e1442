"""Reads the run stores run_multi_gpu.sh wrote and prints its tables (Markdown).
  report.py wait-step STORE RUN STEP   waits until the run has logged STEP (for the kill part)
  report.py report DIR                 parity, kill and scaling tables from DIR's stores"""
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path


def series(db, run, tag):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT s.step, s.value FROM scalars s JOIN series t ON t.id = s.series_id "
                       "WHERE t.run_id = ? AND t.tag = ? ORDER BY s.step", (run, tag)).fetchall()
    con.close()
    return dict(rows)


def runs(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT id, name, status, device, message FROM runs ORDER BY id").fetchall()
    con.close()
    return rows


def final_scores(db, run):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT task, metric, value FROM metrics WHERE run_id = ? AND step = "
                       "(SELECT MAX(step) FROM metrics WHERE run_id = ?) ORDER BY task, metric",
                       (run, run)).fetchall()
    con.close()
    return rows


def wait_step(db, run, step, timeout=400):
    start = time.time()
    while time.time() - start < timeout:
        try:
            s = series(db, run, "loss")
            if s and max(s) >= step:
                return
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    sys.exit(f"run {run} of {db} did not reach step {step} in {timeout} s")


def parity(d):
    db = d / "parity.db"
    if not db.exists():
        return
    one, two, seed = (series(db, r, "loss") for r in (1, 2, 3))
    steps = sorted(one)
    diff = [abs(two[s] - one[s]) for s in steps]
    noise = [abs(seed[s] - one[s]) for s in steps]
    print("## Parity: 2 GPUs x batch 32 against 1 GPU x batch 64 (tiny T5, demo data, bf16)\n")
    print("| step | 1 GPU x 64 | 2 GPUs x 32 | 1 GPU x 64, seed 43 |")
    print("|---|---|---|---|")
    for s in steps:
        if s in (10, 20, 50, 100, 150, 200, 250, 300):
            print(f"| {s} | {one[s]:.4f} | {two[s]:.4f} | {seed[s]:.4f} |")
    print(f"\nmean |2 GPUs - 1 GPU| over {len(steps)} logged steps: {statistics.mean(diff):.4f} "
          f"(max {max(diff):.4f}); mean |seed 43 - seed 42| (the noise): "
          f"{statistics.mean(noise):.4f} (max {max(noise):.4f})")
    for run, label in ((1, "1 GPU"), (2, "2 GPUs")):
        scores = ", ".join(f"{t} {m} {v:.2f}" for t, m, v in final_scores(db, run))
        print(f"- final validation, {label}: {scores}")
    for r in runs(db):
        print(f"- run {r[0]} {r[1]}: {r[2]}, device '{r[3]}'")
    print()


def kill(d):
    db = d / "kill.db"
    if not db.exists():
        return
    k = json.loads((d / "kill.json").read_text())
    loss = series(db, 1, "loss")
    steps = sorted(loss)
    contiguous = steps == list(range(10, steps[-1] + 1, 10))
    print("## A rank killed mid-run (2 GPUs, NCCL)\n")
    print(f"- rank 1 killed with SIGKILL after step 250; the launcher exited with status "
          f"{k['launcher_rc']} {k['seconds_to_end']:.1f} s later")
    print("- status before resuming: " +
          (d / "kill_status_before_resume.txt").read_text().strip().splitlines()[-1])
    print("- launcher's words: " + " / ".join(
        line.strip() for line in (d / "kill_train.log").read_text().splitlines()
        if "rank" in line and ("killed" in line or "ended" in line or "exited" in line)))
    resumed = [l for l in (d / "kill_resume.log").read_text().splitlines() if "resumed from" in l]
    print(f"- {resumed[0].strip() if resumed else 'no resume line'}")
    r = runs(db)[0]
    print(f"- after `resume --nproc 2`: {r[2]}, logged steps {steps[0]}..{steps[-1]}, every 10th "
          f"step exactly once: {contiguous}")
    print()


def throughput(db, run, batch_per_gpu, from_step):
    """Examples per second between from_step and the last logged step, from the wall times the
    store keeps with every logged step: tasks alternate and batches differ in length, so whole
    stretches compare where single logging intervals do not."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT s.step, s.wall_time FROM scalars s JOIN series t ON t.id = "
                       "s.series_id WHERE t.run_id = ? AND t.tag = 'loss' ORDER BY s.step",
                       (run,)).fetchall()
    device = con.execute("SELECT device FROM runs WHERE id = ?", (run,)).fetchone()[0]
    con.close()
    wall = dict(rows)
    last = rows[-1][0]
    gpus = 2 if "2 processes" in device else 1
    examples = (last - from_step) * batch_per_gpu * gpus
    return examples / (wall[last] - wall[from_step]), last


def scaling(d):
    db = d / "scaling.db"
    if not db.exists():
        return
    print("## Scaling: T5-base Hyperformer++ (random weights), bf16, demo data, source <= 128\n")
    print("| batch per GPU | steps timed | 1 GPU examples/s | 2 GPUs examples/s | speed-up |")
    print("|---|---|---|---|---|")
    by_name = {}
    for run_id, name, status, device, _ in runs(db):
        by_name.setdefault(name, []).append(run_id)
    for name, ids in by_name.items():
        if len(ids) < 2:
            continue
        batch = int(name.split("_b")[-1])
        (one, last), (two, _) = (throughput(db, r, batch, 50) for r in ids[:2])
        print(f"| {batch} | 51..{last} | {one:.0f} | {two:.0f} | {two / one:.2f}x |")
    print("\nExamples of all ranks over the wall time from step 50 to the last step (the first 50 "
          "warm up kernels and the allocator).")


if __name__ == "__main__":
    if sys.argv[1] == "wait-step":
        wait_step(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        d = Path(sys.argv[2])
        parity(d)
        kill(d)
        scaling(d)
