"""The answer cache: round trips, misses, corrupt entries, atomic writes, and a key that
changes with everything that determines an answer and with nothing else."""

from __future__ import annotations

import copy
import json

import pytest

from pipeline.llm.cache import AnswerCache, cache_key, schema_hash

MESSAGES = [
    {"role": "system", "content": "你是录入员。"},
    {"role": "user", "content": "<文本>\n例子\n</文本>"},
    {"role": "assistant", "content": '{"facts": []}'},
    {"role": "user", "content": "<文本>\n本年收入总计1613.46万元。\n</文本>"},
]
BASE = {
    "model": "gemma-3-270m",
    "mode": "json_schema",
    "task": "narrative",
    "prompt_version": "1",
    "prompt_fingerprint": "0123456789abcdef",
    "schema": "fedcba9876543210",
    "messages": MESSAGES,
}
ENTRY = {
    "model": "gemma-3-270m",
    "task": "narrative",
    "prompt_version": "1",
    "answer": {"facts": [{"label": "本年收入总计", "raw": "1613.46", "unit": "万元"}]},
    "usage": {"prompt_tokens": 120, "completion_tokens": 30},
}


def _key(**changes) -> str:
    kw = copy.deepcopy(BASE)
    kw.update(changes)
    return cache_key(**kw)


def _files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# ----------------------------------------------------------------------------- the store


def test_put_then_get_returns_the_entry(tmp_path):
    cache = AnswerCache(tmp_path / "cache")
    key = _key()
    cache.put(key, ENTRY)
    assert cache.get(key) == ENTRY
    # a second cache over the same folder (a later run) reads it too
    assert AnswerCache(tmp_path / "cache").get(key) == ENTRY
    (only,) = _files(tmp_path)
    assert json.loads(only.read_text(encoding="utf-8")) == ENTRY


def test_put_replaces_an_entry(tmp_path):
    cache = AnswerCache(tmp_path)
    key = _key()
    cache.put(key, ENTRY)
    newer = {**ENTRY, "answer": {"facts": []}}
    cache.put(key, newer)
    assert cache.get(key) == newer
    assert len(_files(tmp_path)) == 1


def test_a_missing_key_is_none(tmp_path):
    cache = AnswerCache(tmp_path)
    assert cache.get(_key()) is None
    cache.put(_key(), ENTRY)
    assert cache.get(_key(task="tables")) is None
    # an absent folder is a miss, not an error
    assert AnswerCache(tmp_path / "never-made").get(_key()) is None


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00\x9c garbage \x00\x01",  # not UTF-8
        b'{"answer": {"facts": [',  # cut off
        b"",  # empty
        b"[1, 2, 3]",  # JSON, but not an entry
        b'{"model": "m"}',  # an object without an answer
    ],
)
def test_an_unreadable_entry_is_a_miss_not_an_exception(tmp_path, content):
    cache = AnswerCache(tmp_path)
    key = _key()
    cache.put(key, ENTRY)
    (path,) = _files(tmp_path)
    path.write_bytes(content)
    assert cache.get(key) is None
    cache.put(key, ENTRY)  # and it can be written over
    assert cache.get(key) == ENTRY


def test_an_unwritable_folder_costs_the_entry_not_the_run(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    cache = AnswerCache(blocker)
    cache.put(_key(), ENTRY)  # no exception
    assert cache.get(_key()) is None


def test_writes_leave_no_temporary_files(tmp_path):
    cache = AnswerCache(tmp_path)
    keys = [_key(task=t, prompt_version=v) for t in ("tables", "narrative", "meta") for v in "12"]
    for k in keys:
        cache.put(k, ENTRY)
        cache.put(k, ENTRY)  # replacing too
    files = _files(tmp_path)
    assert len(files) == len(set(keys)) == 6
    assert [p for p in files if ".tmp" in p.name or p.name.startswith(".")] == []
    assert all(p.suffix == ".json" for p in files)
    assert all(cache.get(k) == ENTRY for k in keys)


# ----------------------------------------------------------------------------- the key


def test_key_is_stable():
    assert _key() == _key()
    assert _key() == cache_key(**BASE)
    # the same messages built afresh, keys of each message in another order
    rebuilt = [{"content": m["content"], "role": m["role"]} for m in MESSAGES]
    assert _key(messages=rebuilt) == _key()
    assert len(_key()) == 64 and int(_key(), 16) >= 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("model", "gemma-3-1b"),
        ("mode", "tools"),
        ("task", "tables"),
        ("prompt_version", "2"),
        ("prompt_fingerprint", "0123456789abcdee"),
        ("schema", "fedcba9876543211"),
    ],
)
def test_key_changes_with_each_setting(field, value):
    assert _key(**{field: value}) != _key()


@pytest.mark.parametrize("k", range(len(MESSAGES)))
def test_key_changes_with_the_content_of_any_message(k):
    changed = copy.deepcopy(MESSAGES)
    changed[k]["content"] += "。"
    assert _key(messages=changed) != _key()


def test_key_changes_with_a_whitespace_change_in_the_chunk():
    changed = copy.deepcopy(MESSAGES)
    changed[-1]["content"] = changed[-1]["content"].replace("1613.46", "1613.46 ")
    assert _key(messages=changed) != _key()


def test_key_changes_with_the_example_left_out_or_a_role_changed():
    assert _key(messages=[MESSAGES[0], MESSAGES[-1]]) != _key()
    changed = copy.deepcopy(MESSAGES)
    changed[1]["role"] = "assistant"
    assert _key(messages=changed) != _key()


def test_fields_do_not_run_into_each_other():
    # the same characters split differently between two fields are another question
    assert _key(model="ab", mode="c") != _key(model="a", mode="bc")
    assert _key(prompt_version="1", prompt_fingerprint="2") != _key(
        prompt_version="12", prompt_fingerprint=""
    )


def test_schema_hash_follows_the_schema_not_its_key_order():
    a = {"type": "object", "properties": {"raw": {"type": "string"}}}
    b = {"properties": {"raw": {"type": "string"}}, "type": "object"}
    c = {"type": "object", "properties": {"raw": {"type": "number"}}}
    assert schema_hash(a) == schema_hash(b)
    assert schema_hash(a) != schema_hash(c)
    assert len(schema_hash(a)) == 16
