"""Tiny random-initialised models of every family in kgedit.lm.families, each saved as a Hugging Face model
folder with a tokenizer of its family's convention beside it (conftest's `family_model` fixture):

* kgedit: the project's byte-level BPE (<pad>, <s>, </s>)                        mistral
* gpt2:   the same BPE as GPT-2 wraps it: BOS = EOS = <|endoftext|>, no pad       gpt2, gpt_neox, phi
* opt:    byte-level BPE, BOS = EOS = </s>, pad <pad>                             opt
* qwen:   byte-level BPE, no BOS, EOS = pad = <|endoftext|>                       qwen2, qwen3
* sp:     SentencePiece-style BPE (Metaspace "▁"), <s> </s> <unk>, no pad        llama, gemma
All trained on the micro pipeline's documents (tests/eval_world.py), 2 layers, hidden 32 (bench/families.py
builds wider ones the same way).
"""

from __future__ import annotations

from pathlib import Path

STYLE = {"mistral": "kgedit", "gpt2": "gpt2", "gpt_neox": "gpt2", "phi": "gpt2", "opt": "opt", "qwen2": "qwen",
         "qwen3": "qwen", "llama": "sp", "gemma": "sp"}
VOCAB = 600


def make_tokenizer(style: str, texts: list[str], vocab: int = VOCAB):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from kgedit.lm.tokenizer import train_tokenizer

    if style == "kgedit":
        return train_tokenizer(texts, vocab)
    specials = {"gpt2": ["<|endoftext|>"], "opt": ["<pad>", "</s>"], "qwen": ["<|endoftext|>"],
                "sp": ["<unk>", "<s>", "</s>"]}[style]
    if style == "sp":
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
        trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=specials, show_progress=False)
    else:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=specials, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    names = {"gpt2": dict(bos_token="<|endoftext|>", eos_token="<|endoftext|>"),
             "opt": dict(bos_token="</s>", eos_token="</s>", pad_token="<pad>"),
             "qwen": dict(eos_token="<|endoftext|>", pad_token="<|endoftext|>"),
             "sp": dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>")}[style]
    return PreTrainedTokenizerFast(tokenizer_object=tok, clean_up_tokenization_spaces=False, **names)


def make_config(model_type: str, vocab: int, bos: int, eos: int, hidden: int = 32):
    """A 2-layer config of the family: `hidden` wide, MLP 2 x hidden, heads of 16."""
    import transformers as tf

    common = dict(vocab_size=vocab, bos_token_id=bos, eos_token_id=eos, tie_word_embeddings=False)
    heads, mlp = hidden // 16, 2 * hidden
    llama_like = dict(hidden_size=hidden, intermediate_size=mlp, num_hidden_layers=2, num_attention_heads=heads,
                      num_key_value_heads=heads, head_dim=16, max_position_embeddings=512, **common)
    return {
        "mistral": lambda: tf.MistralConfig(sliding_window=None, **llama_like),
        "llama": lambda: tf.LlamaConfig(**llama_like),
        "qwen2": lambda: tf.Qwen2Config(use_sliding_window=False, **llama_like),
        "qwen3": lambda: tf.Qwen3Config(use_sliding_window=False, **llama_like),
        "gemma": lambda: tf.GemmaConfig(**llama_like),
        "phi": lambda: tf.PhiConfig(hidden_size=hidden, intermediate_size=mlp, num_hidden_layers=2, num_attention_heads=heads,
                                    max_position_embeddings=512, partial_rotary_factor=0.5, **common),
        "gpt2": lambda: tf.GPT2Config(n_embd=hidden, n_inner=mlp, n_layer=2, n_head=heads, n_positions=512, **common),
        "gpt_neox": lambda: tf.GPTNeoXConfig(hidden_size=hidden, intermediate_size=mlp, num_hidden_layers=2,
                                             num_attention_heads=heads, max_position_embeddings=512, rotary_pct=0.5,
                                             **common),
        "opt": lambda: tf.OPTConfig(hidden_size=hidden, ffn_dim=mlp, num_hidden_layers=2, num_attention_heads=heads,
                                    word_embed_proj_dim=hidden, max_position_embeddings=512, **common),
    }[model_type]()


def build_family_model(model_type: str, texts: list[str], folder: Path, *, hidden: int = 32, vocab: int = VOCAB,
                       seed: int = 0) -> Path:
    """A model folder (config.json, model.safetensors, tokenizer files) of a random 2-layer model."""
    import torch
    from transformers import AutoModelForCausalLM

    tok = make_tokenizer(STYLE[model_type], texts, vocab)
    bos = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
    torch.manual_seed(seed)
    config = make_config(model_type, len(tok), bos, tok.eos_token_id, hidden)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa")
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder
