"""Dates, quotation marks, gazetteer resolution, quotes and events on small synthetic texts (and the seeds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jirga.errors import JirgaError
from jirga.evidence.dates import guess_document_date, resolve_date
from jirga.evidence.events import CATEGORIES, LEXICON, NEGATED_TO_REJECT, PHRASAL, find_events
from jirga.evidence.gazetteer import Gazetteer, MentionFinder
from jirga.evidence.ingest import normalise
from jirga.evidence.nlp import load_pipeline
from jirga.evidence.quotes import find_quotes, quote_spans

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
MONDAY = dt.date(2019, 4, 15)  # a Monday


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="module")
def finder(nlp):
    return MentionFinder(Gazetteer.default(), nlp)


# --- dates ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "past", "expected", "precision", "relative"),
    [
        ("on Thursday", True, dt.date(2019, 4, 11), "day", True),  # Monday 15th - 4 days
        ("on Thursday", False, dt.date(2019, 4, 18), "day", True),  # the next Thursday
        ("Monday", True, dt.date(2019, 4, 15), "day", True),  # the document's own day
        ("last month", True, dt.date(2019, 3, 1), "month", True),
        ("later this month", False, dt.date(2019, 4, 1), "month", True),
        ("a year ago", True, dt.date(2018, 1, 1), "year", True),
        ("three days ago", True, dt.date(2019, 4, 12), "day", True),
        ("yesterday", True, dt.date(2019, 4, 14), "day", True),
        ("April 12", True, dt.date(2019, 4, 12), "day", True),
        ("December 5", True, dt.date(2018, 12, 5), "day", True),  # past tense, after April: last year's
        ("December 5", False, dt.date(2019, 12, 5), "day", True),
        ("14-15 April 2019", True, dt.date(2019, 4, 14), "day", False),
        ("February 29, 2020", True, dt.date(2020, 2, 29), "day", False),
        ("July, 2020", True, dt.date(2020, 7, 1), "month", False),
        ("2018", True, dt.date(2018, 1, 1), "year", False),
    ],
)
def test_dates_resolve_against_the_document_date(text, past, expected, precision, relative):
    resolved = resolve_date(text, MONDAY, past=past)
    assert resolved is not None
    assert (resolved.date, resolved.precision, resolved.relative) == (expected, precision, relative)


def test_relative_dates_need_a_document_date():
    assert resolve_date("on Thursday", None) is None
    assert resolve_date("the coming days", MONDAY) is None
    assert resolve_date("February 30, 2020", MONDAY) is None  # no such day


def test_publication_date_guess_prefers_the_byline_then_the_latest_date():
    assert guess_document_date("Title\n\n  • July, 2020\n\nThe talks of June 9 ...") == (dt.date(2020, 7, 1), "July, 2020")
    body = "x " * 400 + "In 2018 and on February 29, 2020 they met; in March 2019 too."
    assert guess_document_date(body) == (dt.date(2020, 2, 29), "February 29, 2020")
    assert guess_document_date("No dates here.") is None


# --- quotation marks ------------------------------------------------------------------------------------------


def test_quote_spans_pair_curly_and_straight_marks():
    text = 'He said “one two” and "three four" today.'
    assert [text[start:end] for start, end in quote_spans(text)] == ["one two", "three four"]


def test_a_closing_mark_without_an_opening_one_opens_at_the_paragraph_start():
    text = "First paragraph.\n\nIssues need to be looked into,” said the minister."
    assert [text[start:end] for start, end in quote_spans(text)] == ["Issues need to be looked into"]


def test_an_opening_mark_left_open_closes_at_the_paragraph_end():
    text = "“We will go on\n\nNext paragraph."
    assert [text[start:end] for start, end in quote_spans(text)] == ["We will go on"]


# --- gazetteer ------------------------------------------------------------------------------------------------


def _actors(nlp, finder, text):
    return [(mention.text, mention.actor) for mention in finder(nlp(text)) if mention.label != "EXCLUDED"]


def test_gazetteer_resolves_capitals_titles_and_officials(nlp, finder):
    found = dict(_actors(nlp, finder, "Islamabad rejected the claim. Later the Foreign Office spokesperson, Khalilzad, "
                                      "General Bajwa and Ambassador Kabulov met."))
    assert found["Islamabad"] == "PAK_GOV"
    assert found["Foreign Office spokesperson"] == "PAK_GOV"
    assert found["Khalilzad"] == "USA"
    assert found["General Bajwa"] == "PAK_MIL"
    assert found["Ambassador Kabulov"] == "RUS"


def test_a_capital_after_a_locative_preposition_is_a_place(nlp, finder):
    mentions = finder(nlp("The delegation arrived in Islamabad on Thursday."))
    islamabad = next(mention for mention in mentions if mention.text == "Islamabad")
    assert islamabad.place and islamabad.actor is None


def test_longest_alias_wins_and_exclusions_hold(nlp, finder):
    found = dict(_actors(nlp, finder, "The Afghan Ministry of Foreign Affairs protested, Pakistan Today reported."))
    assert found["Afghan Ministry of Foreign Affairs"] == "AFG"
    assert "Pakistan Today" not in found and "Pakistan" not in found


def test_unresolved_entities_are_kept(nlp, finder):
    found = _actors(nlp, finder, "Barack Obama spoke to Angela Merkel.")
    assert ("Barack Obama", None) in found


def test_user_gazetteer_extends_the_shipped_one(tmp_path, nlp):
    extra = tmp_path / "extra.yaml"
    extra.write_text("actors:\n  USA:\n    aliases: [Barack Obama]\n  EU:\n    name: European Union\n    aliases: [Brussels]\n", encoding="utf-8")
    gazetteer = Gazetteer.from_yaml(extra, Gazetteer.default())
    found = dict(_actors(nlp, MentionFinder(gazetteer, nlp), "Barack Obama and Brussels agreed with Khalilzad."))
    assert found == {"Barack Obama": "USA", "Brussels": "EU", "Khalilzad": "USA"}


def test_bad_gazetteer_file_names_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors:\n  USA:\n    aliases: Washington\n", encoding="utf-8")
    with pytest.raises(JirgaError, match=r"bad.yaml:2: actors.USA: an actor is a mapping"):
        Gazetteer.from_yaml(bad)


# --- quotes ---------------------------------------------------------------------------------------------------


def _quotes(nlp, finder, text):
    doc = nlp(text)
    return [(quote.kind, quote.text, quote.speaker, quote.actor, quote.inherited) for quote in find_quotes(doc, finder(doc))]


def test_speaker_after_the_quote(nlp, finder):
    assert _quotes(nlp, finder, "“We will not attend the talks in Doha,” Foreign Office spokesperson Muhammad Faisal said.") == [
        ("direct", "We will not attend the talks in Doha", "Muhammad Faisal", "PAK_GOV", False)
    ]


def test_speaker_before_the_quote_with_straight_marks(nlp, finder):
    quotes = _quotes(nlp, finder, 'Zalmay Khalilzad said: "The talks will resume next week in Doha."')
    assert quotes[0][1:4] == ("The talks will resume next week in Doha.", "Zalmay Khalilzad", "USA")


def test_quote_split_across_a_speaker_clause_keeps_the_speaker(nlp, finder):
    quotes = _quotes(nlp, finder, "“We support the process,” Qureshi said. “We cannot be held responsible for the collapse.”")
    assert [(quote[2], quote[3]) for quote in quotes] == [("Qureshi", "PAK_GOV"), ("Qureshi", "PAK_GOV")]
    assert quotes[1][4] is True  # carried over


def test_a_speaker_is_not_carried_over_far(nlp, finder):
    text = ("“We support the process,” Qureshi said. The talks went on. Fighting went on. Nobody came. "
            "“The war will end soon enough for everyone here.”")
    quotes = _quotes(nlp, finder, text)
    # Four sentences on, the last quote is nobody's: kept (five words or more) without a speaker.
    assert quotes[-1][1:5] == ("The war will end soon enough for everyone here.", None, None, False)


def test_pronoun_speaker_is_the_previous_speaker(nlp, finder):
    quotes = _quotes(nlp, finder, "“The army will help,” said General Bajwa. “Peace matters to us all,” he added.")
    assert quotes[1][2:5] == ("Bajwa", "PAK_MIL", True)  # name "Bajwa", role "General"


def test_indirect_speech(nlp, finder):
    quotes = _quotes(nlp, finder, "The Taliban said on Sunday that they would not meet the Afghan government.")
    assert quotes == [("indirect", "they would not meet the Afghan government", "Taliban", "TAL", False)]


def test_indirect_speech_with_a_partial_quote_and_made_it_clear(nlp, finder):
    quotes = _quotes(nlp, finder, "Amrullah Saleh says Pakistan is using the Taliban “through terrorism and violence”. "
                                  "The Foreign Office made it clear that Islamabad had supported the talks.")
    assert [(quote[0], quote[1][:25], quote[3]) for quote in quotes] == [
        ("indirect", "Pakistan is using the Tal", "AFG"),
        ("direct", "through terrorism and vio", "AFG"),
        ("indirect", "Islamabad had supported t", "PAK_GOV"),
    ]


def test_one_word_scare_quotes_are_not_quotations(nlp, finder):
    assert _quotes(nlp, finder, "The so-called “meltdown” of the forces worried Pakistan.") == []


# --- events ---------------------------------------------------------------------------------------------------


def test_every_event_category_is_one_of_plovers_sixteen():
    # PLOVER (Halterman et al. 2023) has sixteen event categories; the lexicon, the phrasal verbs and the
    # negations that turn into REJECT may use no other.
    assert len(set(CATEGORIES)) == 16
    assert set(LEXICON.values()) | set(PHRASAL.values()) | NEGATED_TO_REJECT <= set(CATEGORIES)


def test_event_with_relative_date_and_place(nlp, finder):
    doc = nlp("Pakistan and the United States on Thursday agreed in Islamabad to share responsibility.")
    events = find_events(doc, finder(doc), MONDAY)
    agree = next(event for event in events if event.category == "AGREE")
    assert (agree.source, agree.target, agree.date, agree.date_relative, agree.place) == ("PAK_GOV", "USA", dt.date(2019, 4, 11), True, "Islamabad")


def test_negated_cooperation_is_a_rejection(nlp, finder):
    doc = nlp("The Ministry of Foreign Affairs said that Pakistan would not participate in the talks with the United States.")
    assert [(event.category, event.source, event.target) for event in find_events(doc, finder(doc), MONDAY)] == [("REJECT", "PAK_GOV", "USA")]


def test_recalling_an_ambassador_is_a_sanction_by_the_relative_clause_antecedent(nlp, finder):
    doc = nlp("The statement angered the Afghan government, which called back its ambassador from Pakistan.")
    assert [(event.category, event.source, event.target) for event in find_events(doc, finder(doc), MONDAY)] == [("SANCTION", "AFG", "PAK_GOV")]


def test_he_is_the_person_just_named_and_adjectival_verbs_count(nlp, finder):
    doc = nlp("Ambassador Kabulov praised the group. He instead accused the United States of delays. "
              "The Taliban are opposed to negotiating with Kabul. Taliban officials preferred to speak directly to the US.")
    assert [(event.category, event.source, event.target) for event in find_events(doc, finder(doc), MONDAY)] == [
        ("ACCUSE", "RUS", "USA"), ("REJECT", "TAL", "AFG"), ("CONSULT", "TAL", "USA"),
    ]


# --- the seed articles ----------------------------------------------------------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed articles (../shared/seeds) are absent")


@pytest.mark.seeds
@needs_seeds
def test_seed_quote_patterns(nlp, finder):
    by_start = {}
    for name in ("000_44664f7624acb4c0", "002_69e777e41907816d"):
        doc = nlp(normalise((SEEDS / f"{name}.txt").read_text(encoding="utf-8")))
        for quote in find_quotes(doc, finder(doc)):
            by_start[quote.text[:30]] = (quote.speaker, quote.actor, quote.inherited)
    # "... ,” the spokesperson added: a title pointing back to the speaker of the previous quote.
    assert by_start["There will also be an Intra-Af"] == ("Muhammad Faisal", "PAK_GOV", True)
    # A quote with no reporting verb after "Amrullah Saleh says ... “…”": the speaker of the previous sentence.
    assert by_start["The call of PM Khan for an int"] == ("Amrullah Saleh", "AFG", True)
    # The publisher dropped the opening mark: the quote opens at the paragraph start.
    assert by_start["Issues of governance and the m"][:2] == ("Shah Mehmood Qureshi", "PAK_GOV")
    # The second half of Kirby's quote, after the sentence that names him.
    assert by_start["They have the advantages, and "] == ("John Kirby", "USA", True)
    # Speaker after two quotes of one sentence.
    assert by_start["eradicating occupation"][1] == "TAL"


# --- properties -----------------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)), st.sampled_from(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]), st.booleans())
def test_weekdays_resolve_to_that_weekday_within_a_week(document_date, weekday, past):
    resolved = resolve_date(f"on {weekday.title()}", document_date, past=past)
    assert resolved.date.strftime("%A").lower() == weekday
    offset = (resolved.date - document_date).days
    assert 0 <= -offset <= 6 if past else 1 <= offset <= 7


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("ab “”\"\n.,")), max_size=80))
def test_quote_spans_are_ordered_disjoint_and_free_of_marks(text):
    spans = quote_spans(text)
    assert all(0 <= start < end <= len(text) for start, end in spans)
    assert all(first[1] <= second[0] for first, second in zip(spans, spans[1:]))
    for start, end in spans:
        assert not text[start].isspace() and not text[end - 1].isspace()
