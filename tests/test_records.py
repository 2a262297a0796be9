"""Records and settings: round trips and layering, no model needed."""
import datetime as dt

from eventwire.records import (Actor, ArticleRecord, Cue, DateRef, Event, EventDate, EventSide,
                               Modality, Outcome, Quote, Speaker, content_id)
from eventwire.settings import Settings


def _record() -> ArticleRecord:
    text = "Turkey rejected the demand on Wednesday, Kalin said."
    return ArticleRecord(
        id=content_id(text), source="t.txt", text=text, title="T", url="http://x",
        published=dt.date(2021, 2, 5),
        actors=(Actor("a1", "Turkey", "country", "TUR", ("GOV",), None, ((0, 6),)),
                Actor("a2", "Ibrahim Kalin", "person", "TUR", ("GOV",), "spokesman", ((42, 47),))),
        quotes=(Quote("indirect", "Turkey rejected the demand on Wednesday", (0, 40),
                      Speaker("a2", "Ibrahim Kalin", (42, 47)), Cue("said", (48, 52)), 0.9),),
        events=(Event("REJECT", "120", -4.0, text, (0, 53), 0.8, None, 3,
                      EventSide("a1", "Turkey", "TUR", ("GOV",), (0, 6)), None,
                      Modality(reported_by="a2"),
                      EventDate("on Wednesday", "2021-02-03", "day"), Cue("rejected", (7, 15))),),
        dates=(DateRef("on Wednesday", "2021-02-03", "day", (27, 39)),),
    )


def test_record_round_trip():
    r = _record()
    assert ArticleRecord.from_dict(r.to_dict()) == r


def test_record_matches_contract_fields():
    d = _record().to_dict()
    assert d["schema"] == 1
    for key in ("id", "title", "url", "published", "language", "text", "actors", "quotes",
                "events", "dates"):
        assert key in d
    ev = d["events"][0]
    assert ev["plover"] == {"type": "REJECT", "mode": None}
    assert ev["cameo"] == {"code": "120", "root": "12"}
    assert d["quotes"][0]["speaker"]["actor"] == "a2"


def test_content_id_ignores_whitespace_runs():
    assert content_id("a  b\n c") == content_id("a b c")
    assert len(content_id("x")) == 16


def test_rejected_record_serialises():
    r = ArticleRecord(id="x" * 16, source="s", text="", outcome=Outcome("rejected", "empty"))
    assert r.to_dict()["outcome"] == {"status": "rejected", "reason": "empty"}


def test_settings_layering():
    s = Settings.load(env={"EVENTWIRE_BATCH_SIZE": "8", "EVENTWIRE_DB": "sqlite:///a.db"},
                      db="sqlite:///b.db", workers=None)
    assert s.batch_size == 8
    assert s.db == "sqlite:///b.db"
    assert s.workers == 1
