"""Reads the store run_trainer_gpu.sh wrote and prints its table (Markdown): examples per second
of the real Trainer from step 100 to the last, with and without CUDA graphs, and where each run's
loss ended. Usage: report.py trainer.db"""
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "distributed"))
from report import runs, series, throughput  # noqa: E402

db = sys.argv[1]
FROM_STEP = 100
rows = {}
for run_id, name, status, device, message in runs(db):
    batch = int(name.split("_b")[1].split("_")[0])
    mode = name.rsplit("_", 1)[1]
    rate, last = throughput(db, run_id, batch, FROM_STEP)
    loss = series(db, run_id, "loss")
    rows[(batch, mode)] = (rate, last, loss[min(loss)], loss[max(loss)], status)
print("| batch | Trainer | steps timed | examples/s | steps/s | loss first -> last logged | status |")
print("|---|---|---|---|---|---|---|")
for (batch, mode), (rate, last, first_loss, last_loss, status) in sorted(rows.items()):
    print(f"| {batch} | {mode} | {FROM_STEP + 1}..{last} | {rate:.0f} | {rate / batch:.2f} | "
          f"{first_loss:.3f} -> {last_loss:.3f} | {status} |")
for batch in sorted({b for b, _ in rows}):
    if (batch, "eager") in rows and (batch, "graphs") in rows:
        print(f"\nbatch {batch}: graphs / eager = "
              f"{rows[(batch, 'graphs')][0] / rows[(batch, 'eager')][0]:.2f}x", end="")
print()
