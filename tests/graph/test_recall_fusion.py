"""The fusion's signals (graph/domain/recall.py): the turns nearest the question match on their
own, scaled to (0, 1], deterministically; an entity weighs by how specific it is to the history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from graph.domain.recall import Candidate, Evidence, Question, Weights, fuse, named_speaker
from graph.recall.question import with_named_speaker

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def turns(count: int) -> list[Candidate]:
    return [Candidate(f"m{n:03}", "s1", n, 1_700_000_000_000 + n * 1000) for n in range(count)]


def apart(count: int) -> list[Candidate]:
    """Turns each in a session of its own: no turn borrows from a neighbour."""
    return [replace(c, session_id=c.id) for c in turns(count)]


def test_the_nearest_turns_match_without_any_keyword() -> None:
    history = apart(200)
    similarity = {c.id: 0.5 + c.seq / 1000 for c in history}  # m199 is the nearest
    ranked = fuse(
        history,
        Evidence({}, frozenset(), similarity, dense=True),
        NOW,
        Weights(dense_candidates=50),
    )
    assert ranked[0].id == "m199"
    assert "dense" in ranked[0].signals
    matched = {r.id for r in ranked if "dense" in r.signals}
    assert matched == {f"m{n:03}" for n in range(150, 200)}  # the nearest 50, no further


def test_a_word_vector_models_similarity_only_reorders() -> None:
    """wordllama's nearest turns are not matches (dense=False); nor with the weight at 0."""
    history = apart(20)
    similarity = {c.id: c.seq / 100 for c in history}
    word_vectors = Evidence({}, frozenset(), similarity, dense=False)
    assert fuse(history, word_vectors, NOW) == []
    assert fuse(history, replace(word_vectors, dense=True), NOW, Weights(dense=0.0)) == []
    keyword = {"m003": 1.0, "m010": 1.0}
    ranked = fuse(history, replace(word_vectors, keyword=keyword), NOW)
    assert [r.id for r in ranked][:2] == ["m010", "m003"]  # the more similar first


def test_equal_similarities_rank_the_same_every_time() -> None:
    history = turns(30)
    similarity = dict.fromkeys((c.id for c in history), 0.7)
    similarity["m000"] = 0.9
    first = fuse(
        history, Evidence({}, frozenset(), similarity, dense=True), NOW, Weights(dense_candidates=5)
    )
    again = fuse(
        list(reversed(history)),
        Evidence({}, frozenset(), dict(reversed(similarity.items())), dense=True),
        NOW,
        Weights(dense_candidates=5),
    )
    assert [r.id for r in first] == [r.id for r in again]


def test_an_entity_most_of_the_history_mentions_weighs_little() -> None:
    """Statistical NER finds the other person's name in every other turn of a chat: naming them
    in the question says little; an order id two messages mention says a lot."""
    history = [
        Candidate(
            f"m{n:03}",
            "s1",
            n,
            1_700_000_000_000 + n * 1000,
            ("PERSON:gina",) if n % 2 else (),
        )
        for n in range(100)
    ]
    history[40].entity_keys = ("ORDER_ID:A1001",)
    history[41].entity_keys = ("PERSON:gina", "ORDER_ID:A1001")
    asked = frozenset({"PERSON:gina", "ORDER_ID:A1001"})
    ranked = fuse(history, Evidence({}, asked), NOW, Weights(recency=0, session=0))
    scores = {r.id: r.score for r in ranked}
    assert {r.id for r in ranked[:2]} == {"m041", "m040"}  # the order's messages first
    assert scores["m040"] >= 0.9  # mentioned by 2 of 100: close to the full weight
    assert scores["m001"] < 0.25  # a name in 50 of 100: about a quarter of the weight
    assert "entity:PERSON:gina" in next(r for r in ranked if r.id == "m001").signals


def test_the_nearest_turns_are_those_a_full_sort_gives() -> None:
    """The dense signal takes the nearest turns without sorting the whole history: the same
    turns, scores and tie-breaks (on the message id) as sorting it whole."""
    import random

    from graph.domain.recall import _dense_scores

    rng = random.Random(4)
    similarity = {f"m{n:04}": round(rng.random(), 2) for n in range(3000)}  # many ties
    ordered = sorted(similarity.items(), key=lambda item: (-item[1], item[0]))
    top, floor = ordered[0][1], ordered[100][1]
    expected = {i: (s - floor) / (top - floor) for i, s in ordered[:100] if s > floor}
    assert _dense_scores(similarity, 100) == expected


def test_the_order_candidates_come_in_changes_nothing() -> None:
    """A turn borrows from the turn after it what that turn ends with, and from the turn before
    it that turn's own score: each session is scored from its last turn back. (It once depended
    on the order candidates came in: a question and its answer ranked differently when the
    history was read oldest first.)"""
    history = turns(40)
    keyword = {f"m{n:03}": 1.0 + n / 100 for n in range(0, 40, 3)}
    similarity = {c.id: (c.seq * 7 % 40) / 40 for c in history}
    evidence = Evidence(keyword, frozenset(), similarity, dense=True, speaker="USER")
    newest_first = fuse(list(reversed(history)), evidence, NOW, Weights(dense_candidates=8))
    oldest_first = fuse(history, evidence, NOW, Weights(dense_candidates=8))
    shuffled = fuse(history[1::2] + history[::2], evidence, NOW, Weights(dense_candidates=8))
    as_ranked = [(r.id, r.score, r.signals) for r in newest_first]
    assert as_ranked == [(r.id, r.score, r.signals) for r in oldest_first]
    assert as_ranked == [(r.id, r.score, r.signals) for r in shuffled]
    assert any("neighbour" in signals for _, _, signals in as_ranked)


def test_a_question_naming_one_side_asks_about_its_turns() -> None:
    person, agents = ["Melanie Ortiz"], ["Caroline", "Will"]
    assert named_speaker("What has Melanie painted?", person, agents) == "USER"
    assert named_speaker("where did ORTIZ go camping", person, agents) == "USER"
    assert named_speaker("What did Caroline recommend?", person, agents) == "AGENT"
    assert named_speaker("Did Melanie and Caroline both paint?", person, agents) is None
    assert named_speaker("What was painted?", person, agents) is None
    # "will" is a word questions are made of, not the agent Will; initials are no names
    assert named_speaker("Will the parcel arrive?", ["J. R."], agents) is None
    assert named_speaker("What did Melanie say?", [], []) is None


def test_the_one_asked_about_answering_next_to_a_match_gets_the_speaker_weight() -> None:
    """A turn without a signal of its own borrows from a match next to it; when the question
    asks about one side, that side's such turn gets the speaker's weight too (the address the
    person gave after the agent asked for it: "where did I ask you to send the card?")."""
    roles = ["AGENT", "USER", "AGENT", "USER"]
    history = [replace(c, role=role) for c, role in zip(turns(4), roles, strict=True)]
    # m001 (USER) and m003 (USER) have no signal; m000 and m002 (AGENT) match equally
    evidence = Evidence({"m000": 1.0, "m002": 1.0}, frozenset(), speaker="USER")
    ranked = fuse(history, evidence, NOW, Weights(recency=0.0, session=0.0))
    scores = {r.id: r.score for r in ranked}
    plain = fuse(history, replace(evidence, speaker=None), NOW, Weights(recency=0, session=0))
    assert scores["m001"] == {r.id: r.score for r in plain}["m001"] + Weights().speaker


def test_whose_words_a_question_says_outweighs_a_name_in_it() -> None:
    """ "What did I tell Priya?" asks about the person's words, though it names the agent."""
    told = Question("What did I tell Priya?", speaker="USER")
    assert with_named_speaker(told, ["Sam"], ["Priya"]).speaker == "USER"
    asked = Question("What did Priya tell me?")
    assert with_named_speaker(asked, ["Sam"], ["Priya"]).speaker == "AGENT"


def test_recall_reads_its_question_with_the_rule_based_pipeline() -> None:
    """The messages' statistical NER is not run on questions; the patterns are the same, so an
    identifier in a question normalizes as in the messages."""
    from graph.config import Settings
    from graph.pipeline.enrich import enricher_for, question_enricher_for

    settings = Settings(spacy_model="rules")
    rules = enricher_for(settings)
    assert rules is not None
    assert question_enricher_for(settings, rules) is rules
    assert question_enricher_for(settings, None) is None

    class Statistical:
        statistical = True

    question = question_enricher_for(settings, Statistical())  # type: ignore[arg-type]
    assert question is not None
    assert not question.statistical
    [annotation] = question.enrich(["where is order A-1001?"], [NOW])
    assert [m.key for m in annotation.mentions] == [
        m.key for m in rules.enrich(["my order A-1001"], [NOW])[0].mentions
    ]
