"""Ids in callback data: ASCII digits within the 32-bit columns, nothing else."""

from __future__ import annotations

import pytest

from handlers.callbacks import MAX_ID, as_id, parse


@pytest.mark.parametrize("text", ["99999999999999999999", "9223372036854775808", str(MAX_ID + 1),
                                  "inf", "1e309", "NaN", "-1", "0", "", "1.0", "٣", "²", " 1"])
def test_odd_ids_are_none(text: str) -> None:
    assert as_id(text) is None


def test_good_ids_and_zero_where_allowed() -> None:
    assert (as_id("1"), as_id(str(MAX_ID)), as_id("007")) == (1, MAX_ID, 7)
    assert as_id("0", minimum=0) == 0
    callback = parse("kb:view:12:0", "kb")
    assert (callback.number(0), callback.number(1), callback.number(1, minimum=0),
            callback.number(2)) == (12, None, 0, None)
