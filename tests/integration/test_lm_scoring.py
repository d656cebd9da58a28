"""Tokenizer, batched scoring and batched greedy decoding against one-at-a-time references."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from kgedit import db
from kgedit.lm.decoding import greedy_decode
from kgedit.lm.sentences import cut_answer
from kgedit.lm.scoring import p_true, score
from kgedit.lm.tokenizer import build_tokenizer, encode
from tests.lm_corpus import JOBS, SCHOOLS, SUBJECTS, write_corpus


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("lm") / "world.duckdb"
    con = db.connect(path)
    write_corpus(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def tok_dir(world):
    out = world.parent / "ckpt"
    build_tokenizer(world, out, vocab_size=8192)
    return out


@pytest.fixture(scope="module")
def tok(tok_dir):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(tok_dir))


@pytest.fixture(scope="module")
def model(tok):
    import torch
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(0)
    cfg = MistralConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=2, head_dim=16, sliding_window=None,
                        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    # Larger init so the random model has sharp, varied predictions (greedy paths differ per prompt).
    cfg.initializer_range = 0.3
    return MistralForCausalLM._from_config(cfg, attn_implementation="sdpa").eval()


def _pairs():
    pairs = [(f"{s} educated at", f" {o}") for s in SUBJECTS for o in SCHOOLS]
    pairs += [(f'"{s} occupation {j}" is', " true") for s, j in zip(SUBJECTS, JOBS * 4)]
    pairs += [("Ann", " Lee occupation lawyer and Bob Stone occupation chef")]
    return pairs


def test_tokenizer_has_special_tokens_and_whole_word_entity_names(tok, tok_dir, world):
    assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id) == (0, 1, 2)
    assert len(tok) < 8192                      # capped at what this tiny corpus supports
    assert encode(tok, [" Yale", " lawyer"]) == [[tok.convert_tokens_to_ids("ĠYale")],
                                                 [tok.convert_tokens_to_ids("Ġlawyer")]]
    assert tok("Ann Lee")["input_ids"][0] == tok.bos_token_id
    assert tok.decode(encode(tok, ['"Ann Lee occupation chef" is true'])[0]) == '"Ann Lee occupation chef" is true'
    con = db.connect(world, read_only=True)
    counts = dict(con.execute("SELECT kind, n_texts FROM corpus_token_counts").fetchall())
    comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'corpus_token_counts'").fetchone()[0]
    con.close()
    assert counts == {"atomic": 120, "tf": 80, "not": 40, "and": 20, "or": 20, "documents": 90}
    assert comment


def test_continuation_tokens_are_exactly_those_after_the_prompt(tok):
    for prompt, cont in _pairs():
        assert encode(tok, [prompt])[0] + encode(tok, [cont])[0] == encode(tok, [prompt + cont])[0]


def _score_by_hand(model, tok, prompt, cont):
    import torch

    p, c = encode(tok, [prompt])[0], encode(tok, [cont])[0]
    ids = torch.tensor([[tok.bos_token_id, *p, *c]])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[0].double(), -1)
    return sum(float(logp[len(p) + k, t]) for k, t in enumerate(c))


def test_batched_scores_equal_one_at_a_time_scores(model, tok):
    pairs = _pairs()
    batched = score(model, tok, pairs, batch_size=16)
    single = np.array([score(model, tok, [pair], batch_size=1)[0] for pair in pairs])
    by_hand = np.array([_score_by_hand(model, tok, *pair) for pair in pairs])
    assert np.abs(batched - single).max() < 1e-5
    assert np.abs(batched - by_hand).max() < 1e-4
    assert np.all(batched < 0)


def test_p_true_is_true_against_false(model, tok):
    prompts = [p for p, c in _pairs() if c == " true"]
    lt = score(model, tok, [(p, " true") for p in prompts])
    lf = score(model, tok, [(p, " false") for p in prompts])
    assert np.allclose(p_true(model, tok, prompts), np.exp(lt) / (np.exp(lt) + np.exp(lf)))
    assert np.allclose(p_true(model, tok, prompts, normalize=False), np.exp(lt))


def _greedy_without_cache(model, tok, prompt, n):
    import torch

    ids = [tok.bos_token_id, *encode(tok, [prompt])[0]]
    new = []
    with torch.no_grad():
        for _ in range(n):
            nxt = int(model(input_ids=torch.tensor([ids])).logits[0, -1].argmax())
            ids.append(nxt)
            new.append(nxt)
    return tok.decode(new)


def test_batched_cached_greedy_equals_uncached_single_prompt_greedy(model, tok):
    prompts = [p for p, _ in _pairs()][::3] + ["Ann", '"Hugo Park occupation chef and Iris Kent educated at Yale" is']
    batched = greedy_decode(model, tok, prompts, max_new_tokens=6, batch_size=8)
    single = [greedy_decode(model, tok, [p], max_new_tokens=6)[0] for p in prompts]
    reference = [cut_answer(_greedy_without_cache(model, tok, p, 6).split(tok.eos_token)[0]) for p in prompts]
    assert batched == single == reference
    assert len(set(batched)) > 1            # the random model does not just repeat one answer


def test_answers_are_cut_at_the_first_boundary_and_normalised():
    assert cut_answer(' Yale. Ann Lee') == ' Yale'
    assert cut_answer(' Yale" is true') == ' Yale'
    assert cut_answer(' New York') == ' New York'
    assert cut_answer(' Juventus F.C.. Ann Lee') == ' Juventus F.C.'


class _Scripted(torch.nn.Module):
    """A causal LM that answers every prompt with the same scripted tokens, one per step (KV-cache API)."""

    def __init__(self, script: list[int], vocab: int) -> None:
        super().__init__()
        self.script, self.vocab = script, vocab
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids, attention_mask=None, position_ids=None, use_cache=None, cache=None):
        step = 0 if cache is None else cache
        logits = torch.zeros(input_ids.shape[0], input_ids.shape[1], self.vocab)
        logits[:, -1, self.script[min(step, len(self.script) - 1)]] = 1.0
        return SimpleNamespace(logits=logits, cache=step + 1)


@pytest.mark.parametrize("answer, names, expected", [
    (" Juventus F.C.. Ann Lee educated at Yale", ["Juventus F.C."], " Juventus F.C."),
    (" Boston. Ann Lee educated at Yale", ["Boston"], " Boston"),
    (" St. Cloud. Ann Lee educated at Yale", ["St. Cloud"], " St. Cloud"),
    (" St. Cloud. Ann Lee educated at Yale", [], " St"),
])
def test_decoding_stops_where_the_sentence_ends_not_at_a_dot_inside_a_name(tok, answer, names, expected):
    script = encode(tok, [answer])[0] + [tok.eos_token_id]
    model = _Scripted(script, len(tok))
    out = greedy_decode(model, tok, ["Ann Lee member of sports team", "Bo"], max_new_tokens=len(script), names=names)
    assert out == [expected, expected]
    # It stops once the end is seen: a '.' and the token after it, not the whole budget.
    stopped = greedy_decode(model, tok, ["Bo"], max_new_tokens=len(script) + 20, names=names)
    assert stopped == [expected]
