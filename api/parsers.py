"""The API's JSON parser: Python's own, behind two cheap checks.

`json.loads` recurses once per nesting level, so `[[[[…]]]]` a hundred thousand deep spends
its CPU and then fails with a RecursionError (a 500). The text's nesting depth is therefore
measured first, in linear time and without recursion, and a text nested too deep is refused
with a 400 before the parser sees it. The parsed strings
(keys too) then meet the same control-character guard as every path and form field.
"""

from __future__ import annotations

import io
import re
from itertools import accumulate

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from opsdesk.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

# The deepest body the API takes is a few levels (an inspection's results); 32 leaves room.
MAX_DEPTH = 32
# A string, escapes included, up to its closing quote or the end of the text (a lone last
# backslash too): it matches wherever a quote is, so the scan never goes over the text twice.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
# Brackets as signed steps (+1 / -1 as a signed byte); every other byte dropped.
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of the JSON text, counted at C speed (regex, translate,
    accumulate): strings dropped, brackets turned into steps, the highest running sum."""
    steps = _STRING.sub(b"", raw).translate(_BRACKET_STEPS, _NOT_BRACKETS)
    return max(accumulate(memoryview(steps).cast("b")), default=0)


def _carries_control_characters(value) -> bool:
    # Recursion is safe here: the depth was bounded before parsing.
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, dict):
        return any(
            has_control_characters(key) or _carries_control_characters(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(_carries_control_characters(item) for item in value)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if nesting_depth(raw) > MAX_DEPTH:
            raise ParseError(
                _("The JSON is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH}
            )
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        if _carries_control_characters(data):
            raise ParseError(CONTROL_CHARACTERS_MESSAGE)
        return data
