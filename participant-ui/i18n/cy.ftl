# Welsh (Cymraeg): every word attendees see on their phones.
# Format: Fluent (https://projectfluent.org) messages, one per line: `key = text`, with
# { $name } for values put in by the page. The Welsh file (cy.ftl) must have the same keys;
# a test fails when one is missing from either file.
# Lines marked "# unsure:" are judgement calls for a Welsh speaker to review.

## Language switch
lang-name = Cymraeg
lang-switch = English
lang-switch-label = Read this in English

## Header and page titles
product = Roundtable
present-one = Pobl wrth y bwrdd hwn: 1
present-many = Pobl wrth y bwrdd hwn: { $n }
time-left = Munudau ar ôl: { $n }
times-up = Mae’r amser ar ben
still-post = gallwch chi bostio o hyd
# unsure: "Live" as a connection status; "Yn fyw" is the broadcast sense, "Wedi cysylltu" (connected) may be clearer
live = Yn fyw
reconnecting = Yn ailgysylltu…

## Comments
agree = Cytuno
you-agreed = Rydych chi wedi cytuno
reply = Ateb
agreed-by = Pobl sy’n cytuno: { $n }
tag-waiting = Yn aros am yr hwylusydd
tag-facilitator = Wedi’i nodi gan yr hwylusydd
tag-wall = Ar y wal
corrected = (wedi’i gywiro gan yr hwylusydd)
table-n = Bwrdd { $n }
round-n = Rownd { $n }
your-theme = Thema eich bwrdd: { $theme }

## Writing
hint = Mae ychydig o eiriau’n iawn.
hint-pre = Bydd hwylusydd yn ei ddarllen yn gyntaf, ac wedyn gall pawb wrth eich bwrdd ei weld.
hint-post = Gall pawb wrth eich bwrdd ei ddarllen.
closed-round = Gallwch chi ysgrifennu sylwadau pan fydd yr hwylusydd yn dechrau’r rownd nesaf.
closed-event = Mae sylwadau ar gau am y tro. Diolch am gymryd rhan.
room-link = Gweld byrddau eraill / symud bwrdd
write-label = Ysgrifennu sylw
replying-to = Yn ateb:
cancel-reply = Canslo’r ateb
your-reply = Eich ateb
your-comment = Eich sylw
your-name = Eich enw
optional = (dewisol)
name-hint = Gadewch hwn yn wag i aros yn ddienw.
post = Postio
comments-heading = Sylwadau wrth y bwrdd hwn
no-comments = Does dim sylwadau eto. Gallai eich sylw chi fod y cyntaf.
moving-table = Symud bwrdd? Teipiwch y cod sydd ar gerdyn y bwrdd hwnnw
about-link = Ychydig o gwestiynau amdanoch chi (dewisol)
sent = Wedi’i anfon
sent-thanks = Wedi’i anfon. Diolch!
sent-pre = Wedi’i anfon. Bydd hwylusydd yn ei gymeradwyo cyn i bobl eraill ei weld.
write-now = Gallwch chi ysgrifennu sylw nawr.
turned-down = Ni wnaeth hwylusydd ychwanegu un o’ch sylwadau at y bwrdd.
# unsure: Welsh puts the verb first, so { $round } (“Rownd 2” or “y rownd”) comes mid-sentence: “Daeth Rownd 2 i ben…” / “Daeth y rownd i ben…”
round-closed-before = Daeth { $round } i ben cyn i hwn gael ei anfon.
# unsure: lower case on purpose, because it is only put into round-closed-before mid-sentence; capitalise if it is ever shown on its own
the-round = y rownd
post-current = Postio i’r rownd bresennol
not-sent = Heb ei anfon: { $why }
new-comment = Sylw newydd: { $text }
new-comments = Sylwadau newydd: { $n }
http-404 = nid yw dolen y bwrdd hwn yn gweithio mwyach.
http-413 = mae’n rhy hir.
http-422 = mae’n wag, yn rhy hir, neu mae nodau cudd ynddo. Golygwch e a rhowch gynnig arall arni.
sending = Yn anfon…
waiting-send = Yn aros i anfon. Bydd yn mynd cyn gynted ag y bydd y cysylltiad yn ôl.
try-again = Ceisio eto
remove = Dileu
posting-quickly = Yn aros: rydych chi’n postio’n gyflym. Bydd yn mynd ymhen ychydig eiliadau.
posting-quickly-s = Yn aros: rydych chi’n postio’n gyflym. Bydd yn mynd ymhen { $n } eiliad.
did-not-work = Ni weithiodd hynny. Rhowch gynnig arall arni.
kept-on-phone = Heb ei anfon eto. Mae eich geiriau’n cael eu cadw ar y ffôn hwn.
chars-left = Nodau ar ôl: { $n }
too-many-chars = Nodau dros y terfyn: { $n }
outbox-label = Eich sylwadau sydd heb eu hanfon eto
copy-or-later = Copïwch eich geiriau, neu postiwch nhw pan fydd y rownd nesaf yn agor.
comment-empty = Mae eich sylw’n wag. Ysgrifennwch rywbeth yn gyntaf.
comment-too-long = Mae eich sylw’n rhy hir; 1000 o nodau yw’r mwyaf. Gwnewch eich sylw’n fyrrach, os gwelwch yn dda.
# unsure: “agreement” (a tap on Cytuno) rephrased as “that you agree”, because “cytundeb” would read as a contract
agree-failed = Doedd dim modd cofnodi eich bod yn cytuno. Rhowch gynnig arall arni mewn munud.
agree-offline = Does dim cysylltiad ar hyn o bryd. Ceisiwch gytuno eto mewn munud.

## The room
room-title = Byrddau yn yr ystafell
room-intro = Edrychwch ar beth mae byrddau eraill yn ei ddweud, neu symudwch i fwrdd arall.
back-to-table = ← Yn ôl i’ch bwrdd
back-to-table-n = Yn ôl i’ch bwrdd (bwrdd { $n })
you-are-at = Rydych chi wrth fwrdd { $n }
move-to = Symud i fwrdd { $n }
no-comments-there = Does dim sylwadau wrth y bwrdd hwn eto.
all-tables = Pob bwrdd
your-table = Eich bwrdd
here-n = Yma: { $n }
nobody-here = Neb yma eto
look = Gweld
move-here = Symud yma
no-table = Does dim bwrdd { $n } yn y digwyddiad hwn.
room-while-open = Gallwch chi ddarllen sylwadau byrddau eraill pan fydd rownd ar agor.

## Landing and table chooser
join-title = Ymuno â’ch bwrdd
join-intro = Sganiwch y cod QR ar eich bwrdd gyda chamera eich ffôn, neu teipiwch y cod isod.
code-label = Y cod ar gerdyn eich bwrdd
join = Ymuno
join-hint = Does dim angen ap na chyfrif arnoch chi. Gallwch chi aros yn ddienw.
organiser-login = Mewngofnodi i drefnwyr
choose-title = Dewiswch eich bwrdd
choose-none = Does dim byrddau wedi’u trefnu eto. Gofynnwch i hwylusydd.
choose-intro = Dewiswch y bwrdd rydych chi’n eistedd wrtho. Gallwch chi symud i fwrdd arall yn nes ymlaen.
other-code = Teipiwch god gwahanol
type-code = Teipiwch y cod sydd ar gerdyn eich bwrdd

## Pledges
# unsure: register of “Commit to an action”; “Ymrwymo i weithredu” is the public-body phrase, “Addo gwneud rhywbeth” would be plainer
pledge-title = Ymrwymo i weithredu
pledge-card-text = Ymuno ag ymgyrch, cynnal cyfarfod, gwirfoddoli: dewiswch beth fyddwch chi’n ei wneud nesaf.
pledge-make = Gwneud addewid
pledge-thanks = Diolch am eich addewid. Gallwch chi weld, newid neu dynnu eich addewid yn ôl.
pledge-see = Gweld eich addewid
pledge-yours = Eich addewid
pledge-withdraw = Tynnu fy addewid yn ôl
pledge-withdraw-hint = Os byddwch chi’n tynnu’n ôl, bydd eich addewid ac unrhyw fanylion cyswllt rydych chi wedi’u rhoi yn cael eu dileu.
pledge-closed = Mae’r digwyddiad wedi cau, felly does dim modd gwneud na newid addewidion nawr.
pledge-change = Newid beth fyddwch chi’n ei wneud
pledge-choose = Beth fyddwch chi’n ei wneud? Ticiwch un neu fwy.
pledge-contact = Cadw mewn cysylltiad (dewisol)
pledge-contact-hint = Bydd { $who } yn cysylltu â chi dim ond os byddwch chi’n ticio blwch isod. Mae eich manylion yn cael eu cadw ar wahân i unrhyw beth rydych chi wedi’i ysgrifennu heno. Gadewch y rhan hon yn wag os ydych chi am wneud addewid heb i neb gysylltu â chi.
pledge-name = Eich enw
pledge-phone = Rhif ffôn
pledge-email = Cyfeiriad e-bost
pledge-save = Gwneud fy addewid
pledge-save-changes = Cadw fy newidiadau
pledge-saved = Diolch! Rydyn ni wedi cadw eich addewid.
pledge-withdrawn = Rydych chi wedi tynnu eich addewid yn ôl, ac mae unrhyw fanylion cyswllt wedi’u dileu.

## About you
about-title = Amdanoch chi
about-intro = Mae pob cwestiwn yn ddewisol. Dim ond y niferoedd mae’r trefnwyr yn eu gweld (faint o bobl roddodd bob ateb), ond fyddan nhw byth yn gweld pwy ddywedodd beth. Fydd eich atebion byth yn cael eu rhoi wrth ymyl eich sylwadau na’ch addewid.
about-none = Mae’n well gen i beidio â dweud
# unsure: reworded as “Are you coming to a political event for the first time?” so that the shared Yes/No answers (Ydw / Nac ydw) fit
about-q-first = Ydych chi’n dod i ddigwyddiad gwleidyddol am y tro cyntaf?
# unsure: “party” taken as a political party (plaid), since the first question is about a political event
about-q-member = Ydych chi’n aelod o’r blaid sy’n trefnu’r digwyddiad?
about-q-age = Faint yw eich oed?
# unsure: Welsh has no all-purpose “Yes”; “Ydw” fits only “Ydych chi…?” questions (both questions are worded that way here)
about-yes = Ydw
# unsure: Welsh has no all-purpose “No”; “Nac ydw” fits only “Ydych chi…?” questions (both questions are worded that way here)
about-no = Nac ydw
about-under-18 = O dan 18
about-18-24 = 18–24
about-25-34 = 25–34
about-35-49 = 35–49
about-50-64 = 50–64
about-65-plus = 65 neu’n hŷn
about-save = Cadw fy atebion
about-saved = Diolch. Mae eich atebion wedi’u cadw.
# unsure: consent wording (kept as a record when ticked) should be checked; “a dim ond am hynny” for “and for nothing else”
consent-phone = Caiff { $who } fy ffonio neu anfon neges destun ata i am y camau a ddewisais i, a dim ond am hynny.
# unsure: consent wording (kept as a record when ticked) should be checked; “a dim ond am hynny” for “and for nothing else”
consent-email = Caiff { $who } anfon e-bost ata i am y camau a ddewisais i, a dim ond am hynny.
# unsure: this is put in as { $who } after the verb (“Bydd Trefnwyr … yn cysylltu”), so the capital T lands mid-sentence
organisers-of = Trefnwyr { $event }

## Messages from the server, shown where they happen. The page matches them by their
## English words, so keep these exactly as the server writes them.
msg-bad-link = Dydy’r ddolen hon i’r bwrdd ddim yn ddilys bellach. Sganiwch y cod QR ar eich bwrdd eto, neu teipiwch y cod sydd ar gerdyn y bwrdd ar y dudalen gyntaf.
msg-not-saved = Heb ei gadw: dydy’r gweinydd ddim yn gallu cadw sylwadau ar hyn o bryd. Mae eich geiriau wedi’u cadw isod; rhowch gynnig arall arni ymhen munud.
msg-bad-code = Dydy’r cod hwnnw ddim yn edrych yn iawn. Mae ganddo 8 o lythrennau a rhifau, fel K7QD-2M9X.
msg-no-event = Does dim digwyddiad yn cael ei gynnal gyda’r cod hwnnw. Gwiriwch y cod ar gerdyn eich bwrdd.
msg-not-open = Dydy’r digwyddiad hwnnw ddim ar agor i sylwadau ar hyn o bryd. Os yw ar fin dechrau, rhowch gynnig arall arni ymhen ychydig funudau.
msg-event-finished = Mae’r digwyddiad hwn wedi dod i ben, felly does dim modd ychwanegu sylwadau newydd.
msg-no-round = Does dim rownd ar agor ar hyn o bryd, felly does dim modd ychwanegu sylwadau newydd. Cadwch eich geiriau: gallwch chi eu postio pan fydd y rownd nesaf yn agor.
msg-round-moved = Mae’r rownd y gwnaethoch chi ysgrifennu hwn ar ei chyfer wedi cau, felly ni chafodd ei ychwanegu o dan y cwestiwn newydd. Postiwch y sylw eto os yw’n dal yn addas.
msg-agree-closed = Mae’r digwyddiad hwn wedi dod i ben, felly does dim modd cytuno â sylwadau chwaith.
# unsure: “hidden control characters” shortened to “nodau cudd” (hidden characters) to avoid jargon
msg-bad-chars = Mae nodau cudd yn eich sylw. Teipiwch eich sylw eto, os gwelwch yn dda.
msg-name-line = Rhaid i’ch enw ffitio ar un llinell.
msg-no-option = Ticiwch o leiaf un cam yr hoffech chi ei gymryd.
msg-option-gone = Dydy un o’r camau rydych chi wedi’u ticio ddim ar gael bellach. Ticiwch eto, os gwelwch yn dda.
msg-phone-no-consent = Rydych chi wedi rhoi rhif ffôn ond heb dicio’r blwch i ddweud y cawn ni ei ddefnyddio. Ticiwch y blwch, neu cliriwch y rhif.
msg-email-no-consent = Rydych chi wedi rhoi cyfeiriad e-bost ond heb dicio’r blwch i ddweud y cawn ni ei ddefnyddio. Ticiwch y blwch, neu cliriwch y cyfeiriad.
msg-phone-missing = Rydych chi wedi ticio’r blwch ar gyfer galwadau ffôn a negeseuon testun: rhowch eich rhif, neu tynnwch y tic.
msg-email-missing = Rydych chi wedi ticio’r blwch ar gyfer e-bost: rhowch eich cyfeiriad, neu tynnwch y tic.
msg-bad-phone = Dydy’r rhif ffôn hwnnw ddim yn edrych yn iawn. Defnyddiwch ddigidau yn unig, fel 07700 900123 neu +44 7700 900123.
msg-bad-email = Dydy’r cyfeiriad e-bost hwnnw ddim yn edrych yn iawn. Dylai edrych fel enw@example.org.
msg-name-alone = Dim ond os oes gennym ni ffordd o gysylltu â chi y byddwn ni’n cadw enw. Rhowch rif neu gyfeiriad e-bost, neu cliriwch eich enw i aros yn ddienw.
msg-pledge-closed = Mae’r digwyddiad wedi cau, felly does dim modd gwneud na newid addewidion nawr. Gallwch chi dynnu eich addewid yn ôl o hyd.
msg-bad-answer = Dewiswch un o’r atebion yn y rhestr, neu ddim un.
err-not-found = Heb ei ganfod
err-not-allowed = Dim caniatâd
err-try-again = Rhowch gynnig arall arni
err-did-not-work = Ni weithiodd hynny
msg-no-about = Dydy’r trefnwyr ddim wedi gofyn unrhyw gwestiynau amdanoch chi yn y digwyddiad hwn.
msg-one-moment = Un eiliad

## Refusals over the live connection, by their code (phone.js)
code-round_closed = Does dim rownd ar agor ar hyn o bryd, felly ni chafodd hwn ei ychwanegu. Cadwch eich geiriau: gallwch chi eu postio pan fydd y rownd nesaf yn agor.
code-event_closed = Mae’r digwyddiad hwn wedi dod i ben, felly does dim modd ychwanegu sylwadau newydd.
code-empty = Mae eich sylw’n wag. Ysgrifennwch rywbeth yn gyntaf.
code-too_long = Mae eich sylw’n rhy hir; 1000 o nodau yw’r mwyaf. Gwnewch eich sylw’n fyrrach, os gwelwch yn dda.
# unsure: “hidden control characters” shortened to “nodau cudd” (hidden characters) to avoid jargon
code-bad_characters = Mae nodau cudd yn eich sylw. Teipiwch eich sylw eto, os gwelwch yn dda.

## Y wal (ar y sgrin yn yr ystafell; yn iaith y digwyddiad)
wall-title = Wal
wall-connecting = Wrthi’n cysylltu…
wall-live = Yn fyw
wall-reconnecting = Wrthi’n ailgysylltu…
wall-trouble = Methu cyrraedd y gweinydd. Yn dal i geisio…
wall-theme-round = pob bwrdd ar ei thema ei hun
wall-talk = Sgwrs
wall-break = Egwyl
wall-close = Diwedd
wall-pledges = Addewidion
wall-whole-room = Yr ystafell gyfan
wall-image-table = Llun o fwrdd { $n }
wall-image-room = Llun o’r ystafell gyfan
wall-empty = Bydd y pwyntiau gorau o’r byrddau’n ymddangos yma.
wall-tables-range = Byrddau { $from }–{ $to } o { $all }
wall-range = { $from }–{ $to } o { $all }
wall-more = +{ $n } arall
wall-choose-table = Dewiswch fwrdd ar y consol
wall-nothing-table = Does dim o’r bwrdd hwn ar y wal eto.
wall-people-one = Pobl: 1
wall-people-many = Pobl: { $n }
wall-comments-one = Sylwadau: 1
wall-comments-many = Sylwadau: { $n }
# unsure: "wedi addo gweithredu" (have pledged to act) with a count before a colon avoids plural agreement
wall-pledged-one = Wedi addo gweithredu: 1
wall-pledged-many = Wedi addo gweithredu: { $n }
wall-join-label = Sut i ymuno
wall-qr-alt = Cod QR i ymuno o’ch ffôn
wall-join-lead = Ymunwch o’ch ffôn
wall-and-type = a theipio
wall-closed = Mae postio ar gau am y tro
wall-comments-label = Sylwadau ar y wal
wall-spotlight-label = Sylw yn y chwyddwydr
wall-scan = Sganiwch y cod, neu ewch i

## Privacy notice (the table page's footer links to it)
privacy-link = Sut rydyn ni’n defnyddio’ch geiriau
privacy-title = Eich preifatrwydd
privacy-who = Pwy sy’n cynnal y digwyddiad hwn:
privacy-seen = Mae’r hwyluswyr a’r bobl wrth eich bwrdd yn gweld yr hyn rydych chi’n ei ysgrifennu. Mae’r hwyluswyr yn dewis rhai sylwadau i’w dangos ar y sgrin yn yr ystafell.
privacy-report = Wedyn, mae’r sylwadau’n mynd i adroddiadau ar gyfer yr ymgyrch leol ac ar gyfer y tîm polisi. Does dim enwau byth yn adroddiad y tîm polisi.
# unsure: "gwneuthuriad na’i fodel" for "make or model"
privacy-name = Does dim rhaid rhoi’ch enw. Dydy Roundtable ddim yn cadw cyfeiriad rhwydwaith (IP) eich ffôn, ei wneuthuriad na’i fodel, na ble rydych chi.
privacy-contact = Dim ond os ydych chi’n eu rhoi gydag addewid y caiff manylion cyswllt eu cadw, dim ond i ddilyn yr addewid, a chânt eu dileu { $days } diwrnod ar ôl y digwyddiad, gydag unrhyw atebion amdanoch chi.
privacy-comments-keep = Caiff sylwadau eu cadw nes bod y trefnwyr yn dileu’r digwyddiad.
privacy-comments-anonymise = { $days } diwrnod ar ôl y digwyddiad, caiff enwau eu tynnu oddi ar y sylwadau.
privacy-comments-delete = { $days } diwrnod ar ôl y digwyddiad, caiff popeth ohono ei ddileu.
privacy-own = Gallwch chi ddileu’ch sylwadau a thynnu’ch addewid yn ôl o’r ffôn hwn unrhyw bryd, cyhyd ag y mae’n cadw data’r wefan hon. I weld neu ddileu’r hyn sy’n cael ei gadw amdanoch chi, gofynnwch i hwylusydd neu i’r trefnwyr.

## Your comments (see and delete what this phone wrote)
mine-link = Eich sylwadau: eu gweld neu eu dileu
mine-title = Eich sylwadau
mine-intro = Yr hyn ysgrifennoch chi yn y digwyddiad hwn o’r ffôn hwn. Mae dileu sylw yn ei dynnu oddi ar bob sgrin ac allan o’r adroddiadau ar unwaith.
mine-none = Dydych chi ddim wedi ysgrifennu dim o’r ffôn hwn eto.
mine-delete = Dileu
mine-delete-all = Dileu fy holl sylwadau
mine-deleted-one = Wedi’i ddileu. Mae wedi mynd oddi ar bob sgrin.
mine-deleted-all = Mae’ch holl sylwadau wedi’u dileu.
mine-reference = Os byddwch chi’n gofyn i’r trefnwyr am eich data, rhowch y cyfeirnod hwn iddyn nhw:
mine-all-sure = Ydw, dilëwch bob sylw ysgrifennais i yma
mine-all-not-sure = Chafodd dim ei ddileu. I ddileu’ch holl sylwadau, ticiwch “Ydw, dilëwch bob sylw ysgrifennais i yma” yn gyntaf.
mine-not-found = Dydy’r sylw hwnnw ddim yn un o’ch rhai chi, neu mae wedi mynd yn barod. Chafodd dim ei ddileu.
