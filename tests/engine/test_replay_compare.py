"""How re-executed data is compared with the stored data: exact, except moments now() stamped."""
from engine.replay.compare import data_changes, data_difference, same_value


def test_iso_moments_within_ten_seconds_are_the_same_and_other_values_compare_exactly():
    assert same_value("2026-12-13T06:30:00+00:00", "2026-12-13T06:30:09.500000+00:00")
    assert not same_value("2026-12-13T06:30:00+00:00", "2026-12-13T06:30:11+00:00")
    assert not same_value("2026-12-13", "2026-12-14")
    assert not same_value("2026-12-13T06:30:00", "2026-12-13T06:30:00+00:00")  # naive vs aware
    assert same_value({"closed_at": "2026-12-13T06:30:00", "n": [1, "a"]},
                      {"closed_at": "2026-12-13T06:30:03", "n": [1, "a"]})
    assert not same_value({"n": [1, 2]}, {"n": [1]})


def test_a_difference_names_the_first_differing_key_and_a_missing_one():
    assert data_difference({"a": 1, "b": "x"}, {"a": 1, "b": "y"})[1] == {
        "key": "b", "stored": "'x'", "replayed": "'y'"}
    assert data_difference({"a": 1}, {})[1]["replayed"] == "(missing)"
    assert data_difference({"a": 1}, {"a": 1}) is None
    assert data_changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == [("b", 2, 3), ("c", None, 4)]
