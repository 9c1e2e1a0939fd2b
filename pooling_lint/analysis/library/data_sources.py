"""Rows for the padding sources and data pipelines of real projects' data modules.

* ``tflearn.data_utils.pad_sequences`` pads like Keras' function, but its default side changed
  between tflearn releases (``padding='pre'`` in the early ones, ``'post'`` later), so a call
  without ``padding=`` is padded on an unknown side (``op`` None): a mean or max over it still
  reads the padding, a last-step read is left alone.
* ``torch.utils.data.DataLoader(..., collate_fn=f)``: iterating it gives what ``f`` returns
  (analysis/flows.py).
* ``sklearn.model_selection.train_test_split(*arrays)`` returns ``[a_train, a_test, b_train,
  b_test, ...]``: for each array, two subsets of its rows (axis 0), every row as it was, so a
  padded array gives two padded arrays. ``sklearn.utils.shuffle(*arrays)`` returns the arrays
  with their rows reordered (one array alone is returned as itself, not in a list).
* torchtext's legacy ``Field`` / ``Dataset`` / ``Iterator``: batches padded per the field
  (analysis/torchtext.py).
"""

from __future__ import annotations

from pooling_lint.analysis.library.spec import CallModel, Family

GROUPS: tuple[tuple[CallModel, Family, tuple[str, ...], dict[str, str]], ...] = (
    (CallModel.PAD_SEQUENCES, Family.PADDING_SOURCE, ("tflearn.data_utils.pad_sequences",), {}),
    (CallModel.DATA_LOADER, Family.DATA, ("torch.utils.data.DataLoader",), {}),
    (
        CallModel.ROW_SPLIT,
        Family.DATA,
        (
            "sklearn.model_selection.train_test_split",
            "sklearn.cross_validation.train_test_split",  # before scikit-learn 0.20
            "sklearn.utils.shuffle",
        ),
        {},
    ),
    (
        CallModel.TORCHTEXT,
        Family.PADDING_SOURCE,
        ("torchtext.data.Field", "torchtext.legacy.data.Field"),
        {},
    ),
    (
        CallModel.TORCHTEXT,
        Family.DATA,
        tuple(
            f"torchtext.{package}.{name}"
            for package in ("data", "legacy.data")
            for name in (
                "Dataset",
                "TabularDataset",
                "TabularDataset.splits",
                "BucketIterator",
                "BucketIterator.splits",
                "Iterator",
                "Iterator.splits",
            )
        ),
        {},
    ),
    (
        CallModel.TORCHTEXT,
        Family.DATA,
        tuple(
            f"torchtext.{package}.{name}.splits"
            for package in ("datasets", "legacy.datasets")
            for name in ("IMDB", "TREC", "SST")
        ),
        {},
    ),
)
