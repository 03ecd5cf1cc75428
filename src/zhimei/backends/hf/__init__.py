"""The ``transformers`` backend: a local Hugging Face model run in-process by transformers on the CPU.

The ``model`` setting names a model folder (``config.json``, tokenizer and weights, e.g. a
fine-tuned checkpoint), a GGUF file (dequantized to float32 by transformers) or a model pack.
torch and transformers come with the ``transformers`` extra and are imported on first use.

Modules: ``backend`` (TransformersBackend: loading, prompts, generation in a thread), ``source``
(where the model is and its content hash), ``stream`` (the streamer and the cancel flag).
The package is not named ``transformers`` so that it never shadows the library.
"""

from zhimei.backends.hf.backend import TransformersBackend
from zhimei.backends.hf.source import ModelSource, deciding_files, locate_source

__all__ = ["ModelSource", "TransformersBackend", "deciding_files", "locate_source"]
