# English: every word attendees see on their phones.
# Format: Fluent (https://projectfluent.org) messages, one per line: `key = text`, with
# { $name } for values put in by the page. The Welsh file (cy.ftl) must have the same keys;
# a test fails when one is missing from either file.

## Language switch
lang-name = English
lang-switch = Cymraeg
lang-switch-label = Darllen hwn yn Gymraeg

## Header and page titles
product = Roundtable
present-one = 1 person at this table
present-many = { $n } people at this table
time-left = { $n } min left
times-up = Time’s up
still-post = you can still post
live = Live
reconnecting = Reconnecting…

## Comments
agree = Agree
you-agreed = You agreed
reply = Reply
agreed-by = Agreed by { $n }
tag-waiting = Waiting for the facilitator
tag-facilitator = Noted by the facilitator
tag-wall = On the wall
corrected = (corrected by facilitator)
table-n = Table { $n }
round-n = Round { $n }
your-theme = Your table’s theme: { $theme }

## Writing
hint = A few words is fine.
hint-pre = A facilitator reads it first, then your table can see it.
hint-post = Everyone at your table can read it.
closed-round = Comments open when the facilitator starts the next round.
closed-event = Comments are closed for now. Thank you for taking part.
room-link = See other tables / move table
write-label = Write a comment
replying-to = Replying to:
cancel-reply = Cancel reply
your-reply = Your reply
your-comment = Your comment
your-name = Your name
optional = (optional)
name-hint = Leave it blank to stay anonymous.
post = Post
comments-heading = Comments at this table
no-comments = No comments yet. Yours could be the first.
moving-table = Moving table? Type the code from its card
about-link = A few questions about you (optional)
sent = Sent
sent-thanks = Sent. Thank you!
sent-pre = Sent. A facilitator will approve it before others see it.
write-now = You can write a comment now.
turned-down = A facilitator didn’t add one of your comments to the table.
round-closed-before = { $round } closed before this could be sent.
the-round = The round
post-current = Post to the current round
not-sent = Not sent: { $why }
new-comment = New comment: { $text }
new-comments = New comments: { $n }
http-404 = this table link no longer works.
http-413 = it is too long.
http-422 = it is empty, too long, or has hidden characters. Edit it and try again.
sending = Sending…
waiting-send = Waiting to send. It will go as soon as the connection is back.
try-again = Try again
remove = Remove
posting-quickly = Waiting: you’re posting quickly. It will go in a few seconds.
posting-quickly-s = Waiting: you’re posting quickly. It will go in { $n } s.
did-not-work = That didn’t work. Please try again.
kept-on-phone = Not sent yet. Your words are kept on this phone.
chars-left = Characters left: { $n }
too-many-chars = Characters over the limit: { $n }
outbox-label = Your comments not sent yet
copy-or-later = Copy it, or post it when the next round opens.
comment-empty = Your comment is empty. Write something first.
comment-too-long = Your comment is too long; the most is 1000 characters. Please shorten it.
agree-failed = That agreement couldn’t be saved. Please try again in a moment.
agree-offline = No connection just now. Try agreeing again in a moment.

## The room
room-title = Tables in the room
room-intro = Look at what other tables are saying, or move to another table.
back-to-table = ← Back to your table
back-to-table-n = Back to your table (table { $n })
you-are-at = You are at table { $n }
move-to = Move to table { $n }
no-comments-there = No comments at this table yet.
all-tables = All tables
your-table = Your table
here-n = { $n } here
nobody-here = Nobody here yet
look = Look
move-here = Move here
no-table = There is no table { $n } at this event.
room-while-open = You can read other tables’ comments while a round is open.

## Landing and table chooser
join-title = Join your table
join-intro = Scan the QR code on your table with your phone camera, or type the code below.
code-label = Code on your table card
join = Join
join-hint = You don’t need an app or an account. You can stay anonymous.
organiser-login = Organiser login
choose-title = Choose your table
choose-none = No tables have been set up yet. Please ask a facilitator.
choose-intro = Pick the table you are sitting at. You can move to another table later.
other-code = Type a different code
type-code = Type the code on your table card

## Pledges
pledge-title = Commit to an action
pledge-card-text = Join a campaign, host a meeting, volunteer: pick what you’ll do next.
pledge-make = Make a pledge
pledge-thanks = Thank you for your pledge. You can see it, change it or withdraw it.
pledge-see = See your pledge
pledge-yours = Your pledge
pledge-withdraw = Withdraw my pledge
pledge-withdraw-hint = Withdrawing deletes your pledge and any contact details you gave.
pledge-closed = The event has closed, so pledges can’t be made or changed now.
pledge-change = Change what you’ll do
pledge-choose = What will you do? Tick one or more.
pledge-contact = Stay in touch (optional)
pledge-contact-hint = { $who } will get in touch only if you tick a box below. Your details are kept apart from anything you wrote tonight. Leave this part empty to pledge without being contacted.
pledge-name = Your name
pledge-phone = Phone number
pledge-email = Email address
pledge-save = Make my pledge
pledge-save-changes = Save my changes
pledge-saved = Thank you! Your pledge is saved.
pledge-withdrawn = Your pledge was withdrawn and any contact details deleted.

## About you
about-title = About you
about-intro = Every question is optional. The organisers see only totals (how many said each answer), never who said what, and your answers are never put next to your comments or your pledge.
about-none = I’d rather not say
about-q-first = Is this your first political event?
about-q-member = Are you a member of the organising party?
about-q-age = How old are you?
about-yes = Yes
about-no = No
about-under-18 = Under 18
about-18-24 = 18–24
about-25-34 = 25–34
about-35-49 = 35–49
about-50-64 = 50–64
about-65-plus = 65 or over
about-save = Save my answers
about-saved = Thank you. Your answers are saved.
consent-phone = { $who } may phone or text me about the actions I chose, and for nothing else.
consent-email = { $who } may email me about the actions I chose, and for nothing else.
organisers-of = The organisers of { $event }

## Messages from the server, shown where they happen. The page matches them by their
## English words, so keep these exactly as the server writes them.
msg-bad-link = This table link is not valid any more. Scan the QR code on your table again, or type the code from the table card on the first page.
msg-not-saved = Not saved: the server can't store comments right now. Your words are kept below; please try again in a minute.
msg-bad-code = That code doesn't look right. It has 8 letters and numbers, like K7QD-2M9X.
msg-no-event = No event is running with that code. Check the code on your table card.
msg-not-open = That event isn't open for comments right now. If it is about to start, try again in a few minutes.
msg-event-finished = This event has finished, so new comments can't be added.
msg-no-round = No round is open right now, so new comments can't be added. Keep your words: you can post them when the next round opens.
msg-round-moved = The round you wrote this for has closed, so it wasn't added under the new question. Post it again if it still fits.
msg-agree-closed = This event has finished, so agreements are closed too.
msg-bad-chars = Your comment contains hidden control characters. Please retype it.
msg-name-line = Your name must fit on one line.
msg-no-option = Tick at least one action you'd like to do.
msg-option-gone = One of the actions you ticked is no longer offered. Please tick again.
msg-phone-no-consent = You gave a phone number but didn't tick the box to say we may use it. Tick it, or clear the number.
msg-email-no-consent = You gave an email address but didn't tick the box to say we may use it. Tick it, or clear the address.
msg-phone-missing = You ticked the box for phone calls and texts: please give your number, or untick it.
msg-email-missing = You ticked the box for email: please give your address, or untick it.
msg-bad-phone = That phone number doesn't look right. Use digits only, like 07700 900123 or +44 7700 900123.
msg-bad-email = That email address doesn't look right. It should look like name@example.org.
msg-name-alone = We only keep a name together with a way to contact you. Give a number or an email address, or clear your name to stay anonymous.
msg-pledge-closed = The event has closed, so pledges can't be made or changed now. You can still withdraw yours.
msg-bad-answer = Choose one of the answers listed, or none.
err-not-found = Not found
err-not-allowed = Not allowed
err-try-again = Please try again
err-did-not-work = That didn't work
msg-no-about = The organisers haven't asked any questions about you at this event.
msg-one-moment = One moment

## Refusals over the live connection, by their code (phone.js)
code-round_closed = No round is open right now, so this wasn't added. Keep your words: you can post them when the next round opens.
code-event_closed = This event has finished, so new comments can't be added.
code-empty = Your comment is empty. Write something first.
code-too_long = Your comment is too long; the most is 1000 characters. Please shorten it.
code-bad_characters = Your comment contains hidden control characters. Please retype it.

## The wall (projected in the room; in the event's language)
wall-title = Wall
wall-connecting = Connecting…
wall-live = Live
wall-reconnecting = Reconnecting…
wall-trouble = Can’t reach the server. Still trying…
wall-theme-round = each table on its own theme
wall-talk = Talk
wall-break = Break
wall-close = Close
wall-pledges = Pledges
wall-whole-room = Whole room
wall-image-table = Image from table { $n }
wall-image-room = Image from the whole room
wall-empty = The best points from the tables will appear here.
wall-tables-range = Tables { $from }–{ $to } of { $all }
wall-range = { $from }–{ $to } of { $all }
wall-more = +{ $n } more
wall-choose-table = Choose a table on the console
wall-nothing-table = Nothing from this table on the wall yet.
wall-people-one = 1 person
wall-people-many = { $n } people
wall-comments-one = 1 comment
wall-comments-many = { $n } comments
wall-pledged-one = 1 person has committed to act
wall-pledged-many = { $n } people have committed to act
wall-join-label = How to join
wall-qr-alt = QR code to join from your phone
wall-join-lead = Join from your phone
wall-and-type = and type
wall-closed = Posting is closed for now
wall-comments-label = Comments on the wall
wall-spotlight-label = Comment in the spotlight
wall-scan = Scan the code, or go to

## Privacy notice (the table page's footer links to it)
privacy-link = How your words are used
privacy-title = Your privacy
privacy-who = Who runs this event:
privacy-seen = What you write is seen by the facilitators and the people at your table. Facilitators choose some comments to show on the screen in the room.
privacy-report = Afterwards, comments go into reports for the local campaign and for the policy team. The policy team’s report never has names in it.
privacy-name = Your name is optional. Roundtable doesn’t store your phone’s network (IP) address, its make or model, or where you are.
privacy-contact = Contact details are kept only if you give them with a pledge, only to follow it up, and are deleted { $days } days after the event, with any answers about you.
privacy-comments-keep = Comments are kept until the organisers delete the event.
privacy-comments-anonymise = { $days } days after the event, names are removed from the comments.
privacy-comments-delete = { $days } days after the event, everything from it is deleted.
privacy-own = You can delete your comments and withdraw your pledge from this phone at any time, as long as it keeps this site’s data. To see or delete what is held about you, ask a facilitator or the organisers.

## Your comments (see and delete what this phone wrote)
mine-link = Your comments: see or delete them
mine-title = Your comments
mine-intro = What you wrote at this event from this phone. Deleting a comment takes it off every screen and out of the reports straight away.
mine-none = You haven’t written anything from this phone yet.
mine-delete = Delete
mine-delete-all = Delete all my comments
mine-deleted-one = Deleted. It is gone from every screen.
mine-deleted-all = All your comments are deleted.
mine-reference = If you ask the organisers about your data, give them this reference:
mine-all-sure = Yes, delete every comment I wrote here
mine-all-not-sure = Nothing was deleted. To delete all your comments, tick “Yes, delete every comment I wrote here” first.
mine-not-found = That comment isn’t one of yours, or it is already gone. Nothing was deleted.
