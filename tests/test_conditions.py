"""Space-joined condition lines are split back into labels with what the corpus knows, or kept whole."""

from __future__ import annotations

from trialkg.conditions import Lexicon, shipped


def test_known_labels_are_recovered() -> None:
    lex = Lexicon(
        ["Metastatic Breast Cancer", "Breast Cancer", "Non Small Cell Lung Cancer", "HER2-positive Gastric Cancer"]
    )
    assert lex.split("Non Small Cell Lung Cancer HER2-positive Gastric Cancer") == [
        "Non Small Cell Lung Cancer", "HER2-positive Gastric Cancer"
    ]  # fmt: skip


def test_an_unknown_label_after_a_known_one_is_split_on_corpus_evidence() -> None:
    lex = Lexicon(shipped())
    assert lex.split("Metastatic Breast Cancer HER 2 Low-expressing Breast Cancer") == [
        "Metastatic Breast Cancer", "HER 2 Low-expressing Breast Cancer"
    ]  # fmt: skip


def test_unsure_lines_stay_whole() -> None:
    lex = Lexicon(shipped())
    for line in ("HER2 Positive or Suspicious Positive Tumors", "Carcinoma, Non-Small-Cell Lung", "Breast Cancer"):
        assert lex.split(line) == [line]


def test_a_label_containing_a_known_label_is_not_cut() -> None:
    lex = Lexicon(["Breast Cancer", "Metastatic Breast Cancer"])
    assert lex.split("Metastatic Breast Cancer") == ["Metastatic Breast Cancer"]


def test_shipped_lexicon_holds_real_registered_labels() -> None:
    labels = set(shipped())
    assert len(labels) > 5000 and "Metastatic Breast Cancer" in labels
    assert all(label == label.strip() and label for label in labels)


def test_empty_and_single_word_lines() -> None:
    lex = Lexicon(shipped())
    assert lex.split("") == [] and lex.split("Glioma") == ["Glioma"]
