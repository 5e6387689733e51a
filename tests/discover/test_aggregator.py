"""crawler/discover/aggregator.py: Google News / GDELT results matched to watched outlets and to stored articles."""

from __future__ import annotations

from pathlib import Path

from crawler.discover.aggregator import claims_row, headline, match_stored, owning_outlet, result_language
from crawler.config import load_settings
from spiders.cross_outlet import OUTLETS as CROSS
from spiders.registry import all_outlets

REPO = Path(__file__).resolve().parents[2]
OUTLETS = all_outlets(load_settings(REPO / "coverwatch.toml", environ={}))
FIXTURES = REPO / "tests" / "fixtures" / "outlets"


def test_google_news_items_belong_to_their_publisher() -> None:
    leads = CROSS[0].sources[3].parse((FIXTURES / "google_news/search_en.xml").read_bytes(), CROSS[0].sources[3].url)
    owners = {headline(lead.title): owning_outlet(lead.url, lead.publisher_domain, OUTLETS) for lead in leads.leads}
    assert owners == {
        "Putin cautions Israel against using tactics in Gaza like Nazi siege of Leningrad": "reuters",
        "Hamas to release two Russian hostages in act of 'appreciation' to Putin": "timesofisrael",
        "Putin Says U.S. Foreign Policy Failure Behind Israel-Hamas War": "moscowtimes",
        "Why Russia and Hamas Are Growing Closer": None,  # Carnegie is not watched: stays with google_news
    }


def test_gdelt_hits_belong_by_their_own_url() -> None:
    source = CROSS[1].sources[3]
    leads = source.parse((FIXTURES / "gdelt/artlist_en.json").read_bytes(), source.url).leads
    owners = {lead.url: owning_outlet(lead.url, lead.publisher_domain, OUTLETS) for lead in leads}
    assert owners["https://tass.com/politics/1695759"] == "tass_com"
    assert owners["https://cepa.org/article/russia-winks-to-old-friends-in-hamas/"] is None
    assert {result_language(lead.language) for lead in leads} == {"en"}


def test_aggregators_never_own_and_google_links_say_nothing() -> None:
    assert owning_outlet("https://news.google.com/rss/articles/CBMiabc", None, OUTLETS) is None
    assert owning_outlet("https://news.google.com/rss/articles/CBMiabc", "https://www.inss.org.il", OUTLETS) == "inss"


def test_headline_drops_only_the_publisher_suffix() -> None:
    assert headline("هل تضحيّ روسيا بإسرائيل؟ - موقع الخنادق") == "هل تضحيّ روسيا بإسرائيل؟"
    assert headline("Putin - the man who thanked Hamas - Reuters", publisher_name="Reuters") == "Putin - the man who thanked Hamas"
    assert headline("Russia-Hamas ties") == "Russia-Hamas ties"
    assert headline("Lavrov meets Hamas - in Moscow", route="gdelt") == "Lavrov meets Hamas - in Moscow"


def test_match_stored_by_normalised_headline() -> None:
    stored = [(1, "Putin cautions Israel against using tactics in Gaza"), (2, "“Делегация ХАМАС встретилась в Москве с замглавы МИД РФ Богдановым”")]
    assert match_stored("Делегация ХАМАС встретилась в Москве с замглавы МИД РФ Богдановым - ТАСС", stored) == 2
    assert match_stored("Something else - Reuters", stored) is None
    assert match_stored(None, stored) is None


def test_own_discovery_claims_rows_found_through_aggregators() -> None:
    assert claims_row(["gdelt"], "rss") and claims_row(["google_news", "gdelt"], "news_sitemap")
    assert not claims_row(["rss"], "gdelt") and not claims_row([], "rss") and not claims_row(["gdelt"], "google_news")
    assert result_language("iw") == "he" and result_language("Arabic") == "ar" and result_language(None) is None


def test_one_domain_two_editions_filed_by_language_and_url() -> None:
    """Issue 19 item 11: meduza.io serves meduza_ru and meduza_en; the domain alone cannot say which."""
    source = CROSS[0].sources[2]  # the Russian edition's search
    assert "hl=ru" in source.url
    parsed = source.parse((FIXTURES / "google_news/search_ru.xml").read_bytes(), source.url)
    meduza = [lead for lead in parsed.leads if lead.publisher_domain and "meduza.io" in lead.publisher_domain]
    assert meduza, "the captured Russian search has a Meduza item"
    for lead in meduza:
        assert owning_outlet(lead.url, lead.publisher_domain, OUTLETS, result_language(lead.language)) == "meduza_ru"
    google = "https://news.google.com/rss/articles/CBMiabc"
    assert owning_outlet(google, "https://meduza.io", OUTLETS, "en") == "meduza_en"
    # GDELT gives the article's own URL: the outlets' article patterns decide, whatever the language says.
    english = "https://meduza.io/en/news/2023/10/26/a-hamas-delegation-visits-moscow"
    assert owning_outlet(english, "meduza.io", OUTLETS, None) == "meduza_en"
    assert owning_outlet("https://meduza.io/news/2023/10/26/delegatsiya-hamas-v-moskve", "meduza.io", OUTLETS, "en") == "meduza_ru"
