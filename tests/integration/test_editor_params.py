"""Every editor parameter has limits, and a value outside them (NaN, infinity, out of range, wrong
type, unknown choice) is an error with a hint when it is read, never a late crash or NaN results."""

from __future__ import annotations

from dataclasses import fields

import pytest

from kgedit.editors import _editor_class, check_params, editor_names
from kgedit.errors import KgeditError


@pytest.mark.parametrize("name", editor_names())
def test_every_parameter_has_limits_and_the_defaults_pass(name):
    params = _editor_class(name).Params
    assert {f.name for f in fields(params)} == set(params.LIMITS)
    check_params(name, {})
    check_params(name, {f.name: str(f.default) if not isinstance(f.default, tuple)
                        else ",".join(map(str, f.default)) for f in fields(params)})


@pytest.mark.parametrize("name", editor_names())
def test_non_finite_numbers_are_refused_for_every_numeric_parameter(name):
    numeric = [f for f in fields(_editor_class(name).Params)
               if isinstance(f.default, (int, float)) or (isinstance(f.default, tuple) and isinstance(f.default[0], int))]
    assert numeric
    for f in numeric:
        for raw in ("nan", "inf", "-inf", "1e309"):
            with pytest.raises(KgeditError) as err:
                check_params(name, {f.name: raw})
            assert f.name in err.value.message and err.value.hint


@pytest.mark.parametrize("name, key, raw, message", [
    ("lora", "lr", "nan", "lora parameter lr must be a finite number (got nan)"),
    ("lora", "lr", "0", "lr must be greater than 0"),
    ("lora", "steps", "-5", "steps must be at least 1 (got -5)"),
    ("lora", "steps", "2.5", "is not a valid int"),
    ("lora", "rank", "0", "rank must be at least 1 (got 0)"),
    ("lora", "alpha", "-1", "alpha must be greater than 0"),
    ("lora", "weight_decay", "-0.1", "weight_decay must be at least 0"),
    ("lora", "target_modules", " ", "target_modules must be a non-empty name"),
    ("bayes", "weight", "m", "weight must be one of n_prime, n"),
    ("bayes", "fact_weight", "-1", "fact_weight must be at least 0"),
    ("bayes", "locality_prompts", "-1", "locality_prompts must be at least 0"),
    ("ft", "layer", "-2", "layer must be at least -1"),
    ("ft_l", "norm_constraint", "0", "norm_constraint must be greater than 0"),
    ("rome", "v_steps", "0", "v_steps must be at least 1"),
    ("rome", "token", "middle", "token must be one of subject, last"),
    ("rome", "stats_tokens", "0", "stats_tokens must be at least 1"),
    ("rome", "n_prefixes", "0", "n_prefixes must be at least 1"),
    ("memit", "layers", "-1,0", "distinct layer numbers, or -1 alone"),
    ("memit", "layers", "1,1", "distinct layer numbers"),
    ("memit", "layers", "-3", "layers must be at least -1"),
    ("memit", "mom2_update_weight", "0", "mom2_update_weight must be greater than 0"),
])
def test_out_of_range_values_name_the_parameter_and_its_default(name, key, raw, message):
    with pytest.raises(KgeditError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        check_params(name, {key: raw})
    assert err.value.hint


def test_params_built_in_code_are_checked_by_the_editor_too():
    from kgedit.editors.lora import LoraEditor, LoraParams

    with pytest.raises(KgeditError, match="lora parameter lr must be a finite number"):
        LoraEditor(model=None, tok=None, params=LoraParams(lr=float("nan")))
    with pytest.raises(KgeditError, match="target_modules needs at least one value"):
        LoraParams(target_modules=()).check("lora")


def test_an_unknown_editor_is_refused_with_a_suggestion():
    with pytest.raises(KgeditError, match="Unknown editor 'lorra'") as err:
        check_params("lorra", {"steps": "3"})
    assert "Did you mean 'lora'" in err.value.hint
