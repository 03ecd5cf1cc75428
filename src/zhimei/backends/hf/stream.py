"""Streaming from ``model.generate`` running in a thread: text pieces out, a cancel flag in.

The classes subclass transformers' own, so they are built on first use (transformers is an
optional extra, imported lazily).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

__all__ = ["StopScanner", "cancel_criteria", "token_streamer"]


class StopScanner:
    """Cuts streamed text at the first stop sequence, which is never emitted, not even in part.

    Text that could be the beginning of a stop sequence is held back until the next piece shows
    whether it is one; ``push`` returns what is safe to emit, ``flush`` the rest at the end.
    """

    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = [s for s in stops if s]
        self.text = ""
        self.sent = 0
        self.stopped = False

    def push(self, piece: str) -> str:
        """The part of the text so far that can be emitted now; sets ``stopped`` at a stop sequence."""
        self.text += piece
        hit = min((self.text.find(s) for s in self.stops if s in self.text), default=-1)
        if hit >= 0:
            self.stopped = True
            return self._emit(hit)
        held = max(
            (k for s in self.stops for k in range(1, len(s)) if self.text.endswith(s[:k])),
            default=0,
        )
        return self._emit(len(self.text) - held)

    def flush(self) -> str:
        """What is left once the stream ends without a stop sequence."""
        return "" if self.stopped else self._emit(len(self.text))

    def _emit(self, end: int) -> str:
        out = self.text[self.sent : end] if end > self.sent else ""
        self.sent = max(self.sent, end)
        return out


@functools.cache
def _classes() -> tuple[type[Any], type[Any]]:
    import torch
    from transformers import StoppingCriteria, TextIteratorStreamer

    class TokenStreamer(TextIteratorStreamer):
        """A TextIteratorStreamer that hands over text token by token, counts the tokens generated
        and remembers the last one.

        The stock streamer waits for a space before emitting non-CJK text; this one emits as soon as
        the decoded text does not end in U+FFFD, i.e. holds back only a character whose remaining
        UTF-8 bytes are still to come. The whole reply is decoded each time, so a tokenizer whose
        pieces decode differently alone (sentencepiece's leading spaces) still streams exactly
        the text that decoding the whole reply gives.
        """

        def __init__(self, tokenizer: Any) -> None:
            super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
            self.generated = 0
            self.last_token: int | None = None

        def put(self, value: Any) -> None:
            if len(value.shape) > 1:
                if value.shape[0] > 1:
                    raise ValueError("TokenStreamer streams one sequence at a time")
                value = value[0]
            if self.next_tokens_are_prompt:  # generate() hands over the prompt first
                self.next_tokens_are_prompt = False
                return
            ids = value.tolist()
            self.generated += len(ids)
            self.last_token = ids[-1] if ids else self.last_token
            self.token_cache.extend(ids)
            tokenizer: Any = self.tokenizer
            text = tokenizer.decode(self.token_cache, **self.decode_kwargs)
            if text.endswith("\ufffd"):
                return  # a character cut between tokens: wait for its remaining bytes
            piece, self.print_len = text[self.print_len :], len(text)
            if piece:
                self.on_finalized_text(piece)

    class CancelCriteria(StoppingCriteria):
        """Stops generation at the next token once ``flag`` is set (the reader went away or hit a stop)."""

        def __init__(self, flag: threading.Event) -> None:
            self.flag = flag

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), self.flag.is_set(), dtype=torch.bool)

    return TokenStreamer, CancelCriteria


def token_streamer(tokenizer: Any) -> Any:
    """A streamer for ``model.generate(streamer=…)``; iterate it for text pieces.

    ``generated`` counts the tokens produced so far, ``last_token`` is the newest.
    """
    return _classes()[0](tokenizer)


def cancel_criteria(flag: threading.Event) -> Any:
    """A stopping criterion for ``model.generate`` that ends generation once ``flag`` is set."""
    return _classes()[1](flag)
