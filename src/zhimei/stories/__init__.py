"""The stories stage: near-duplicates, stories (cross-language clusters) and tags of documents.

Pure library, no store: inputs are :class:`~zhimei.records.Document` lists or plain texts, outputs
are typed records (:class:`~zhimei.records.NearDuplicate`, :class:`~zhimei.records.Story`,
:class:`~zhimei.records.DocumentTags`). numpy, jieba and the sentence encoder come with the
``stories`` extra and are imported when first used.
"""

from zhimei.stories.categories import DEFAULT_CATEGORIES, Category
from zhimei.stories.classify import TopicClassifier, TrainedClassifier, ZeroShotClassifier
from zhimei.stories.cluster import DEFAULT_STORY_THRESHOLD, StoryClusterer
from zhimei.stories.dedupe import DEFAULT_DEDUPE_THRESHOLD, NearDuplicateIndex
from zhimei.stories.encoder import Embedder, SentenceEncoder, embed_documents, load_sentence_encoder
from zhimei.stories.entities import entities
from zhimei.stories.keywords import english_idf, keywords
from zhimei.stories.tags import tag_documents

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_DEDUPE_THRESHOLD",
    "DEFAULT_STORY_THRESHOLD",
    "Category",
    "Embedder",
    "NearDuplicateIndex",
    "SentenceEncoder",
    "StoryClusterer",
    "TopicClassifier",
    "TrainedClassifier",
    "ZeroShotClassifier",
    "embed_documents",
    "english_idf",
    "entities",
    "keywords",
    "load_sentence_encoder",
    "tag_documents",
]
