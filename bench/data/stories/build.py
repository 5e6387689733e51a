"""Build story_groups.jsonl from real texts in /work/shared (see README.md here for provenance and labels).

    .venv/bin/python bench/data/stories/build.py

Reads ../shared once; the product never does. Every text is cut verbatim from a shared file or quoted from a
fixture README (headlines), never written here.
"""

import hashlib
import json
import re
from pathlib import Path

S = "/work/shared/"
OUT = Path(__file__).resolve().parent / "story_groups.jsonl"
seed001=open(S+'seeds/001_9937a1afac64ea19.txt').read()
seed002=open(S+'seeds/002_d7bb2ef8fcebef61.txt').read()
seed003=open(S+'seeds/003_c373039b646e1749.txt').read()
tass=json.load(open(S+'fixtures/tass/tass_com_politics_text_2024.json'))
rows = []


def quote(text, needle_start, needle_end=None):
    """The sentence of `text` from `needle_start` to `needle_end` (or the line end), citation marks removed."""
    i=text.index(needle_start)
    if needle_end:
        j=text.index(needle_end,i)+len(needle_end)
    else:
        j=text.index('\n',i)
    return re.sub(r'\[\d+\]', '', text[i:j]).strip()


def add(id, lang, title, text, published, story, source, note=''):
    rows.append(dict(id=id, lang=lang, title=title, text=text, published_at=published, story=story, source=source, note=note))


REF='/work/shared/seeds/002 (Arabic Wikipedia "العلاقات بين روسيا وحماس") reference list'
# D: Hamas delegation in Moscow, 26 Oct 2023
add('d-tass-ru','ru','Делегация ХАМАС встретилась в Москве с замглавы МИД РФ Богдановым','', '2023-10-26T12:00:00+00:00','hamas-delegation-moscow-2023-10-26','tass.ru headline (tests/fixtures/outlets/tass_ru/README.md, GDELT fixture)','headline only; time of day unknown, noon UTC')
add('d-nyt-en','en','Hamas leaders arrive in Moscow as the Kremlin attempts to showcase its clout','', '2023-10-26T12:00:00+00:00','hamas-delegation-moscow-2023-10-26',REF+' [21], NYT, Nechepurenko, 26 Oct 2023','headline only')
add('d-alaalem-ar','ar','',quote(seed003,'سافر ممثلو حماس إلى موسكو','.'), '2023-11-06T12:00:00+00:00','hamas-delegation-moscow-2023-10-26','/work/shared/seeds/003 (Al-Aalem, published 6 Nov 2023) first sentence of line 4','one sentence of a later piece reporting the visit; its own publication date, so only the day it names (26 October) ties it to the visit')
# H: Hamas releases Russian-Israeli hostage Roni Krivoi "as a gesture to Putin", 26 Nov 2023
add('h-telegraph-en','en','Hamas thanks Putin for his support as it releases Russian hostage','', '2023-11-26T12:00:00+00:00','krivoi-release-2023-11-26',REF+' [22], The Telegraph, 26 Nov 2023','headline only')
add('h-ynet-he','he','',quote(seed001,'גם במסגרת העסקה הראשונה','כמחווה לפוטין.'), '2023-11-26T12:00:00+00:00','krivoi-release-2023-11-26','/work/shared/seeds/001 (ynet) first sentence of line 19','one sentence of a later analysis reporting the release; dated by the event it reports')
add('x-toi-two-hostages-en','en',"Hamas to release two Russian hostages in act of 'appreciation' to Putin",'', '2023-11-29T12:00:00+00:00','two-russian-hostages-2023-11-29',REF+' [23], Times of Israel, 29 Nov 2023','hard negative: same actors as krivoi-release, three days later')
# L: Lavrov likens Israel's goals in Gaza to Russia's in Ukraine, 28 Dec 2023
add('l-toi-en','en',"Lavrov appears to liken Israel's war on Hamas in Gaza to Russia's invasion of Ukraine",'', '2023-12-28T12:00:00+00:00','lavrov-likens-gaza-ukraine-2023-12-28',REF+' [24], Times of Israel, 28 Dec 2023','headline only')
add('l-palchron-en','en',"Objectives of Israel's and Russia's Wars 'nearly Identical' – Did Lavrov Shift Position on Gaza?",'', '2023-12-28T11:00:00+00:00','lavrov-likens-gaza-ukraine-2023-12-28',REF+' [25], Palestine Chronicle, 28 Dec 2023 (also tests/fixtures/outlets/gdelt/artlist_en.json)','headline only')
add('l-wiki-ar','ar','',quote(seed002,'في ديسمبر 2023، قال وزير الخارجية الروسي'), '2023-12-28T12:00:00+00:00','lavrov-likens-gaza-ukraine-2023-12-28','/work/shared/seeds/002 (Arabic Wikipedia) line 38, citing [24][25]','encyclopaedia sentence dated by its sources')
# U: Putin says the war shows the failure of US policy in the Middle East, 10 Oct 2023
add('u-mt-en','en','Putin Says U.S. Foreign Policy Failure Behind Israel-Hamas War','', '2023-10-10T12:00:00+00:00','putin-us-failure-2023-10-10',REF+' [19], The Moscow Times, 10 Oct 2023','headline only')
add('u-wiki-ar','ar','',quote(seed002,'وقال بوتين إن الحرب تظهر','.'), '2023-10-10T12:00:00+00:00','putin-us-failure-2023-10-10','/work/shared/seeds/002 line 36, citing [19]','encyclopaedia sentence dated by its source')
# M: Hamas praises Putin's position / welcomes mediation offer, 13-14 Oct 2023
add('m-cnn-en','en',"Hamas welcomes Russia's offer for mediation, praises Putin's position",'', '2023-10-13T12:00:00+00:00','hamas-praises-putin-2023-10-13',REF+' [20], CNN, 13 Oct 2023','headline only')
add('m-wiki-ar','ar','',quote(seed002,'وفي 14 أكتوبر، شكرت حماس بوتين','.'), '2023-10-14T12:00:00+00:00','hamas-praises-putin-2023-10-13','/work/shared/seeds/002 line 36','encyclopaedia sentence dated by its own text (14 Oct)')
add('x-reuters-leningrad-en','en','Putin cautions Israel against using tactics in Gaza like Nazi siege of Leningrad','', '2023-10-13T12:00:00+00:00','putin-leningrad-2023-10-13',REF+' [8], Reuters, 13 Oct 2023 (also tests/fixtures/outlets/reuters news sitemap)','hard negative: same day and same actors as hamas-praises-putin, another event')
# C: Russia condemns the Hamas attack and the shelling of Gaza at the UN, 23 Oct 2023
add('c-tass-en','en','Russia condemns Hamas actions on October 7, but cannot turn a blind eye to Gaza shelling','', '2023-10-23T12:00:00+00:00','russia-condemns-both-2023-10-23',REF+' [13], tass.com, 23 Oct 2023 (also tests/fixtures/outlets/gdelt/artlist_en.json)','headline only')
add('c-wiki-ar','ar','',quote(seed002,'وأدان دبلوماسيون روس في الأمم المتحدة','.'), '2023-10-23T12:00:00+00:00','russia-condemns-both-2023-10-23','/work/shared/seeds/002 line 34, citing [13]','encyclopaedia sentence dated by its source')
add('x-tass-ambassador-en','en','Russia’s communication with Hamas does not mean support for terrorism — ambassador','', '2023-10-17T12:00:00+00:00','russia-hamas-contacts-ambassador-2023-10-17','tests/fixtures/outlets/gdelt/artlist_en.json (real tass.com headline, 17 Oct 2023)','single')
add('x-inss-he','he','רוסיה מתייצבת לצד חמאס, מסרבת לגנות את המתקפה הרצחנית שביצע בנגב','', '2023-11-07T09:00:00+00:00','inss-analysis-2023-11-07','tests/fixtures/outlets/gdelt/artlist_he.json (real INSS title, seed 000)','single: analysis')
add('x-alaalem-ar','ar','هل أعدت روسيا حماس للهجوم على إسرائيل؟','', '2023-11-06T19:30:00+00:00','alaalem-analysis-2023-11-06','seed 003 title (Al-Aalem, 6 Nov 2023)','single: analysis, a day before the INSS piece')
add('x-cepa-en','en','Russia Winks to Old Friends in Hamas','', '2023-10-26T16:00:00+00:00','cepa-analysis-2023-10-26',REF+' [17], CEPA, 26 Oct 2023','hard negative: an opinion piece the same day as the delegation visit, about the relationship, not the visit')
# TASS wire, 26 Dec 2024: one outlet splitting occasions into items; occasions are stories
# A story is one statement, meeting, incident or decision: the wire's items on one subject from one press
# approach or interview are one story (gas transit; Lavrov on Syria); its items on other subjects, from the same
# occasion, are other stories. The "IN BRIEF" round-up of several subjects is borderline (kept out of the figures).
occasion={3:'putin-gas-transit-2024-12-26',6:'putin-gas-transit-2024-12-26',17:'lavrov-syria-2024-12-26',19:'lavrov-syria-2024-12-26'}
for i,item in enumerate(tass):
    text='\n'.join(item['content'])
    story=occasion.get(i, f'tass-single-{i}')
    add(f'tass-{i}','en',item['title'],text,item['date'].replace(' ','T')+'+03:00',story,f"/work/shared/fixtures/tass/tass_com_politics_text_2024.json item {i} ({item['link']})",'whole item; items on one subject from one occasion are one story')
    if i == 0:
        rows[-1]['borderline'] = True
        rows[-1]['note'] = 'round-up of several subjects of one press approach: borderline, kept out of the figures'
for r in rows:
    # tune / heldout by story, so no story is split across the halves
    r['split'] = 'tune' if int(hashlib.sha1(r['story'].encode()).hexdigest(), 16) % 2 == 0 else 'heldout'
    r.setdefault('borderline', False)
with open(OUT, 'w', encoding='utf-8') as fh:
    for r in rows:
        fh.write(json.dumps(r, ensure_ascii=False) + '\n')
print(f'{len(rows)} reports written to {OUT}')
