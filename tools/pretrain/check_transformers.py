#!/usr/bin/env python3
"""Checks that transformers loads a Hugging Face T5 folder written by `hyperformer pretrain` and
computes what this program computes: for a few inputs and targets, `hyperformer forward --json`
against T5ForConditionalGeneration (fp32 on the CPU): the loss, the first logits and their sum,
and the greedy output. Prints one line per input and exits non-zero on any mismatch.

    python3 tools/pretrain/check_transformers.py MODEL_DIR --hyperformer build/bin/hyperformer

Needs torch and transformers (the GPU machine has both; docs/PRETRAINING.md).
"""
import argparse
import json
import subprocess
import sys

CASES = [
    ("sentence: a gripping , funny and deeply moving film .", "1"),
    ("sentence: the plot is thin and the jokes fall flat .", "0"),
    ("The <extra_id_0> of a river is the land <extra_id_1> it.", "<extra_id_0> bank <extra_id_1> beside"),
    ("a word or phrase that means exactly or nearly the same as another", "synonym"),
]


def ours(hyperformer, model, text, target):
    out = subprocess.run([hyperformer, "forward", "--model", model, "--text", text, "--target", target,
                          "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--hyperformer", default="build/bin/hyperformer")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="largest relative difference")
    args = ap.parse_args()

    import torch
    import transformers
    from transformers import T5ForConditionalGeneration

    torch.manual_seed(0)
    try:
        hf = T5ForConditionalGeneration.from_pretrained(args.model, dtype=torch.float32)
    except TypeError:  # transformers before 4.56 names it torch_dtype
        hf = T5ForConditionalGeneration.from_pretrained(args.model, torch_dtype=torch.float32)
    hf.eval()
    print(f"transformers {transformers.__version__}, torch {torch.__version__}: loaded {args.model} "
          f"({sum(p.numel() for p in hf.parameters()):,} parameters)")
    try:
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained(args.model)
        print(f"tokenizer: {type(tok).__name__}, {len(tok)} ids")
    except Exception as e:  # noqa: BLE001 - the tokenizer is optional for this check
        tok = None
        print(f"tokenizer not loaded ({type(e).__name__}: {e}); ids come from this program")

    worst = 0.0
    failures = 0
    for text, target in CASES:
        r = ours(args.hyperformer, args.model, text, target)
        ids = torch.tensor([r["input_ids"]])
        labels = torch.tensor([r["target_ids"]])
        if tok is not None:
            ref_ids = tok(text).input_ids
            if ref_ids != r["input_ids"]:
                print(f"  TOKENS DIFFER for {text!r}: {ref_ids} vs {r['input_ids']}")
                failures += 1
        with torch.no_grad():
            out = hf(input_ids=ids, labels=labels)
            # Both sequences begin with the decoder start token (id 0).
            gen = hf.generate(ids, do_sample=False, num_beams=1,
                              max_new_tokens=max(1, len(r["generated_ids"]) - 1))
        logits = out.logits[0].flatten()
        first = logits[: len(r["logits"]["first"])].tolist()
        rel = lambda a, b: abs(a - b) / max(1.0, abs(b))  # noqa: E731
        diffs = [rel(a, b) for a, b in zip(r["logits"]["first"], first)]
        diffs.append(abs(r["logits"]["sum"] - logits.sum().item()) / max(1.0, abs(logits.sum().item())))
        diffs.append(rel(r["loss"], out.loss.item()))
        hf_gen = gen[0].tolist()
        ours_gen = r["generated_ids"]
        # Equal, or one stopped at the end-of-sequence token (id 1) where the other went on.
        n = min(len(hf_gen), len(ours_gen))
        shorter = hf_gen if len(hf_gen) <= len(ours_gen) else ours_gen
        same_gen = hf_gen[:n] == ours_gen[:n] and (len(hf_gen) == len(ours_gen) or shorter[-1] == 1)
        worst = max(worst, max(diffs))
        ok = max(diffs) <= args.tolerance and same_gen
        failures += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} loss {r['loss']:.6f} vs {out.loss.item():.6f}, "
              f"largest relative difference {max(diffs):.2e}, greedy {'equal' if same_gen else 'DIFFERS'} "
              f"({len(ours_gen)} ids): {text[:50]!r}")
    print(f"{len(CASES) - failures}/{len(CASES)} inputs agree; largest relative difference {worst:.2e} "
          f"(limit {args.tolerance:g})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
