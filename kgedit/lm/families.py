"""The model-family table: where each supported causal-LM family keeps its parts. The only place in
kgedit that names a module path; editors, key statistics, training and tracing ask this module.

    family(model)            -> Family of the model (KgeditError for an unsupported model_type)
    decoder_layers(model)    -> the nn.ModuleList of decoder layers, in order
    attention(model, l)      -> layer l's self-attention module
    mlp(model, l)            -> the module whose output is layer l's MLP contribution to the residual
                                stream: the MLP block, or its output projection where the layer holds the
                                MLP's parts directly (OPT)
    mlp_out(model, l)        -> layer l's MLP output projection; its input (a forward pre-hook's args[0])
                                is the key of ROME/MEMIT, its output the value
    mlp_projection(model, l, name) -> one of layer l's MLP projections by name (mlp_projection_names)
    embedding(model)         -> the input token embedding;  final_norm(model) -> the norm before the head
    projection_weight(m)     -> m's weight as [out, in] (a view: writing it writes the module), whether
                                m is an nn.Linear or GPT-2's Conv1D, which stores the transpose [in, out]
    projection_dims(m)       -> (in, out) features of such a projection
    per_row(t, rows)         -> [rows, tokens, d] view of a projection's input or output in a hook (OPT
                                runs its MLP on the flattened [rows * tokens, d])
    mlp_out_name(model)      -> the shortest module-name suffix that names every layer's MLP output
                                projection and nothing else (peft's target_modules, lora's default)

Paths are dotted attribute paths: `layers` from the CausalLM, the others from one decoder layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgedit.errors import KgeditError


@dataclass(frozen=True)
class Family:
    model_type: str
    layers: str                  # from the CausalLM: the ModuleList of decoder layers
    attention: str               # from a layer
    mlp: str                     # from a layer: the MLP block (or its output projection, see mlp())
    mlp_out: str                 # from a layer: the MLP output projection
    mlp_in: tuple[str, ...]      # from a layer: the MLP input projections
    embedding: str               # from the CausalLM
    final_norm: str              # from the CausalLM
    transposed: bool = False     # projections are Conv1D ([in, out] weights: GPT-2)
    example: str = ""            # a model of the family (README's table)


def _gated(model_type: str, example: str, norm: str = "model.norm") -> Family:
    """The Llama layout: model.layers[l].mlp.{gate,up,down}_proj."""
    return Family(model_type, "model.layers", "self_attn", "mlp", "mlp.down_proj", ("mlp.up_proj", "mlp.gate_proj"),
                  "model.embed_tokens", norm, example=example)


FAMILIES: dict[str, Family] = {f.model_type: f for f in (
    _gated("mistral", "Mistral 7B; kgedit's own checkpoints"),
    _gated("llama", "Llama 2/3, TinyLlama"),
    _gated("qwen2", "Qwen2, Qwen2.5"),
    _gated("qwen3", "Qwen3"),
    _gated("gemma", "Gemma"),
    Family("gpt2", "transformer.h", "attn", "mlp", "mlp.c_proj", ("mlp.c_fc",), "transformer.wte", "transformer.ln_f",
           transposed=True, example="GPT-2, DistilGPT-2"),
    Family("gpt_neox", "gpt_neox.layers", "attention", "mlp", "mlp.dense_4h_to_h", ("mlp.dense_h_to_4h",),
           "gpt_neox.embed_in", "gpt_neox.final_layer_norm", example="Pythia, GPT-NeoX-20B"),
    Family("opt", "model.decoder.layers", "self_attn", "fc2", "fc2", ("fc1",), "model.decoder.embed_tokens",
           "model.decoder.final_layer_norm", example="OPT"),
    Family("phi", "model.layers", "self_attn", "mlp", "mlp.fc2", ("mlp.fc1",), "model.embed_tokens",
           "model.final_layernorm", example="Phi-1, Phi-1.5, Phi-2"),
)}

# model_types that are not decoder-only causal LMs: named in the error so the reason is plain.
_NOT_CAUSAL = ("bert", "roberta", "distilbert", "albert", "electra", "deberta", "deberta-v2", "t5", "mt5", "bart",
               "mbart", "pegasus", "marian", "encoder-decoder", "longt5", "umt5")


def supported_hint() -> str:
    return ("Supported families (config.json model_type): " + ", ".join(sorted(FAMILIES)) + ". A decoder-only "
            "model of another family needs a row in kgedit/lm/families.py (where its layers, MLP projections, "
            "embedding and final norm are); within a family, the ft editor edits any MLP projection "
            "(--set module=NAME) and lora any linear module (--set target_modules=NAME).")


def check_model_type(model_type: Any, where: str) -> Family:
    """The family of a config's model_type; a KgeditError naming `where` (the config file) otherwise."""
    if isinstance(model_type, str) and model_type in FAMILIES:
        return FAMILIES[model_type]
    if model_type in _NOT_CAUSAL:
        raise KgeditError(f"{where} describes a {model_type!r} model, an encoder or encoder-decoder model; kgedit "
                          "edits decoder-only causal language models.", supported_hint())
    raise KgeditError(f"{where} describes a model of type {model_type!r}, which kgedit does not support.",
                      supported_hint())


def family(model) -> Family:
    return check_model_type(getattr(model.config, "model_type", None), "The model's config")


def _get(root, path: str):
    for part in path.split("."):
        root = getattr(root, part)
    return root


def decoder_layers(model):
    return _get(model, family(model).layers)


def n_layers(model) -> int:
    return len(decoder_layers(model))


def _in_layer(model, layer: int, path: str):
    layers = decoder_layers(model)
    if not 0 <= layer < len(layers):
        raise KgeditError(f"Layer {layer} does not exist; the model has layers 0..{len(layers) - 1}.")
    return _get(layers[layer], path)


def attention(model, layer: int):
    return _in_layer(model, layer, family(model).attention)


def mlp(model, layer: int):
    return _in_layer(model, layer, family(model).mlp)


def mlp_out(model, layer: int):
    return _in_layer(model, layer, family(model).mlp_out)


def mlp_projection_names(model) -> tuple[str, ...]:
    """The names (last path component) of the MLP projections, the output projection first."""
    f = family(model)
    return tuple(p.rsplit(".", 1)[-1] for p in (f.mlp_out, *f.mlp_in))


def mlp_projection(model, layer: int, name: str):
    f = family(model)
    paths = {p.rsplit(".", 1)[-1]: p for p in (f.mlp_out, *f.mlp_in)}
    if name not in paths:
        raise KgeditError(f"The {f.model_type} model has no MLP projection {name!r}.",
                          "Its MLP projections: " + ", ".join(mlp_projection_names(model)))
    return _in_layer(model, layer, paths[name])


def embedding(model):
    return _get(model, family(model).embedding)


def final_norm(model):
    return _get(model, family(model).final_norm)


def is_projection(module) -> bool:
    """An nn.Linear, or a Conv1D (transformers' GPT-2 projection, weight [in, out])."""
    from torch import nn

    return isinstance(module, nn.Linear) or type(module).__name__ == "Conv1D"


def projection_weight(module):
    """[out, in] view of a projection's weight (Conv1D stores [in, out])."""
    return module.weight.T if type(module).__name__ == "Conv1D" else module.weight


def projection_dims(module) -> tuple[int, int]:
    out, inp = projection_weight(module).shape
    return int(inp), int(out)


def per_row(t, rows: int):
    """[rows, tokens, d] view of a hooked projection input or output (2-D in OPT's flattened MLP)."""
    return t if t.dim() == 3 else t.view(rows, -1, t.shape[-1])


def mlp_out_name(model) -> str:
    """The shortest suffix of the output projection's path that matches (as peft matches target_modules:
    the whole name or after a '.') every layer's output projection and no other module."""
    parts = family(model).mlp_out.split(".")
    wanted = {id(mlp_out(model, l)) for l in range(n_layers(model))}
    names = [(n, m) for n, m in model.named_modules()]
    for k in range(1, len(parts) + 1):
        suffix = ".".join(parts[-k:])
        if {id(m) for n, m in names if n == suffix or n.endswith("." + suffix)} == wanted:
            return suffix
    return family(model).layers + "." + family(model).mlp_out   # unreachable for a well-formed family


@dataclass(frozen=True)
class Shape:
    n_layers: int
    hidden: int
    intermediate: int
    heads: int
    vocab: int


def shape(model) -> Shape:
    """The sizes memory estimates need, read from the modules (config field names differ by family)."""
    rows, hidden = embedding(model).weight.shape
    return Shape(n_layers(model), int(hidden), projection_dims(mlp_out(model, 0))[0],
                 int(getattr(model.config, "num_attention_heads", 1)), int(rows))
