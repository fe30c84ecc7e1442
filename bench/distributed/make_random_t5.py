"""A T5-base-shaped checkpoint with random weights (transformers' T5 v1.0 layout, safetensors): the
cost of a step is that of the real t5-base, and nothing needs downloading.
Usage: make_random_t5.py OUT_DIR"""
import sys

import torch
from transformers import T5Config, T5ForConditionalGeneration

torch.manual_seed(0)
config = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12,
                  feed_forward_proj="relu", tie_word_embeddings=True, dropout_rate=0.1)
T5ForConditionalGeneration(config).save_pretrained(sys.argv[1], safe_serialization=True)
