"""The one msgpack codec: every body on the wire and every value in the store goes through here.

Decoding never trusts its input: anything that is not valid msgpack, or that does not validate
against the expected model, raises `DecodeError`, which callers count and drop. It never raises
anything else for bad input.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgpack
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class DecodeError(ValueError):
    """A body that is not valid msgpack or not a valid instance of the expected model."""


def pack(value: BaseModel | dict[str, Any] | list[Any]) -> bytes:
    """Encode a model (by its field names) or a plain msgpack-able value."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python")
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def unpack_raw(data: bytes) -> Any:
    """Decode msgpack without a model; maps may only have str/bytes/int keys."""
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types for bad input
        raise DecodeError(f"not valid msgpack: {exc}") from None


def unpack(data: bytes, model: type[M]) -> M:
    """Decode msgpack into `model`, validating every field."""
    raw = unpack_raw(data)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DecodeError(f"invalid {model.__name__}: {exc.error_count()} error(s): "
                          f"{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from None
