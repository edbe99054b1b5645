//! The pledge page (commit to an action, optionally leave contact details with consent) and
//! the optional "about you" questions. Both are plain forms: no script needed.

use maud::{DOCTYPE, Markup, html};

use super::{Lang, LangSwitch, head, t, top, tv};

/// One action on the pledge form.
pub struct PledgeOptionView {
    pub id: i64,
    pub label: String,
    /// The table theme it follows up ("Table 3: Buses and transport").
    pub table: Option<String>,
    pub checked: bool,
}

/// The pledge page.
pub struct PledgePage {
    pub lang: LangSwitch,
    pub event_title: String,
    pub table_number: i64,
    /// Back to the table page.
    pub back_url: String,
    /// POST: make or change the pledge.
    pub action_url: String,
    /// POST: withdraw it.
    pub withdraw_url: String,
    pub options: Vec<PledgeOptionView>,
    /// The two consent sentences, exactly as stored when ticked.
    pub consent_phone: String,
    pub consent_email: String,
    /// "The organisers of …" (who will get in touch).
    pub contact_by: String,
    pub name: String,
    pub phone: String,
    pub phone_ok: bool,
    pub email: String,
    pub email_ok: bool,
    /// Shown at the top, announced (role=alert).
    pub error: Option<String>,
    /// Shown after saving or withdrawing (role=status).
    pub notice: Option<String>,
    /// This phone has a pledge: it is summarised and can be withdrawn.
    pub pledged: Option<Vec<String>>,
    /// Pledges can be made or changed (the event is open).
    pub open: bool,
    /// "About you" is on: a link to its questions.
    pub about_url: Option<String>,
}

/// Renders the pledge page.
pub fn pledge_page(page: &PledgePage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", t(l, "pledge-title"), page.event_title);
    let meta = tv(l, "table-n", &[("n", &page.table_number.to_string())]);
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-pledge {
                (top(&page.lang, &page.event_title, &meta, None))
                main #main {
                    p.back { a #back-link href=(page.back_url) { (t(l, "back-to-table")) } }
                    h1 { (t(l, "pledge-title")) }
                    div #form-error .form-error role="alert" {
                        @if let Some(e) = &page.error { (e) }
                    }
                    div #form-status .status role="status" {
                        @if let Some(n) = &page.notice { (n) }
                    }
                    @if let Some(chosen) = &page.pledged {
                        section #my-pledge .card aria-labelledby="my-pledge-h" {
                            h2 #my-pledge-h { (t(l, "pledge-yours")) }
                            ul { @for c in chosen { li { bdi { (c) } } } }
                            form method="post" action=(page.withdraw_url) {
                                button #withdraw .btn type="submit" { (t(l, "pledge-withdraw")) }
                            }
                            p.hint { (t(l, "pledge-withdraw-hint")) }
                        }
                    }
                    @if page.open {
                        (pledge_form(l, page))
                    } @else {
                        p { (t(l, "pledge-closed")) }
                    }
                    @if let Some(url) = &page.about_url {
                        p.to-about { a #about-link href=(url) { (t(l, "about-link")) } }
                    }
                }
            }
        }
    }
}

fn pledge_form(l: Lang, page: &PledgePage) -> Markup {
    html! {
        form #pledge-form method="post" action=(page.action_url) {
            fieldset.options {
                legend {
                    @if page.pledged.is_some() { (t(l, "pledge-change")) } @else { (t(l, "pledge-choose")) }
                }
                @for o in &page.options {
                    div.check {
                        input type="checkbox" id={ "opt-" (o.id) } name={ "option_" (o.id) }
                            value="1" checked[o.checked];
                        label for={ "opt-" (o.id) } {
                            bdi { (o.label) }
                            @if let Some(tb) = &o.table { span.opt { " (" bdi { (tb) } ")" } }
                        }
                    }
                }
            }
            fieldset.contact {
                legend { (t(l, "pledge-contact")) }
                p.hint #contact-hint { (tv(l, "pledge-contact-hint", &[("who", &page.contact_by)])) }
                label for="p-name" { (t(l, "pledge-name")) " " span.opt { (t(l, "optional")) } }
                input #p-name .field type="text" name="name" maxlength="60"
                    autocomplete="name" value=(page.name);
                label for="p-phone" { (t(l, "pledge-phone")) " " span.opt { (t(l, "optional")) } }
                input #p-phone .field type="tel" name="phone" maxlength="30"
                    autocomplete="tel" value=(page.phone);
                div.check {
                    input #p-phone-ok type="checkbox" name="phone_ok" value="1" checked[page.phone_ok];
                    label for="p-phone-ok" { (page.consent_phone) }
                }
                label for="p-email" { (t(l, "pledge-email")) " " span.opt { (t(l, "optional")) } }
                input #p-email .field type="email" name="email" maxlength="200"
                    autocomplete="email" value=(page.email);
                div.check {
                    input #p-email-ok type="checkbox" name="email_ok" value="1" checked[page.email_ok];
                    label for="p-email-ok" { (page.consent_email) }
                }
            }
            button #pledge-save .primary type="submit" {
                @if page.pledged.is_some() { (t(l, "pledge-save-changes")) } @else { (t(l, "pledge-save")) }
            }
        }
    }
}

/// One "about you" question: its form field, the question, and the answers as (value sent,
/// words shown, chosen).
pub struct AboutQuestion {
    pub field: String,
    pub question: String,
    pub answers: Vec<(String, String, bool)>,
}

/// The optional "about you" page.
pub struct AboutPage {
    pub lang: LangSwitch,
    pub event_title: String,
    pub back_url: String,
    pub action_url: String,
    pub questions: Vec<AboutQuestion>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// Renders the "about you" page.
pub fn about_page(page: &AboutPage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", t(l, "about-title"), page.event_title);
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-about {
                (top(&page.lang, &page.event_title, "", None))
                main #main {
                    p.back { a #back-link href=(page.back_url) { (t(l, "back-to-table")) } }
                    h1 { (t(l, "about-title")) }
                    p { (t(l, "about-intro")) }
                    div #form-error .form-error role="alert" {
                        @if let Some(e) = &page.error { (e) }
                    }
                    div #form-status .status role="status" {
                        @if let Some(n) = &page.notice { (n) }
                    }
                    form #about-form method="post" action=(page.action_url) {
                        @for q in &page.questions {
                            fieldset.options {
                                legend { (q.question) }
                                @for (i, (value, words, on)) in q.answers.iter().enumerate() {
                                    div.check {
                                        input type="radio" id={ (q.field) "-" (i) } name=(q.field)
                                            value=(value) checked[*on];
                                        label for={ (q.field) "-" (i) } { (words) }
                                    }
                                }
                                div.check {
                                    input type="radio" id={ (q.field) "-none" } name=(q.field)
                                        value="" checked[q.answers.iter().all(|(_, _, on)| !on)];
                                    label for={ (q.field) "-none" } { (t(l, "about-none")) }
                                }
                            }
                        }
                        button #about-save .primary type="submit" { (t(l, "about-save")) }
                    }
                }
            }
        }
    }
}

/// The card on the table page: shown while the lead runs the pledges item (`phone.js`
/// shows and hides it live) and whenever this phone has pledged.
pub(crate) fn pledge_card(l: Lang, card: &super::PledgeCard) -> Markup {
    html! {
        section #pledge-card .card.pledge-card aria-labelledby="pledge-h"
            hidden[!card.running && !card.pledged] data-pledged=[card.pledged.then_some("1")]
        {
            h2 #pledge-h { (t(l, "pledge-title")) }
            @if card.pledged {
                p { (t(l, "pledge-thanks")) }
                a #pledge-link .btn href=(card.url) { (t(l, "pledge-see")) }
            } @else {
                p { (t(l, "pledge-card-text")) }
                a #pledge-link .btn.primary href=(card.url) { (t(l, "pledge-make")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> PledgePage {
        PledgePage {
            lang: LangSwitch::english(),
            event_title: "Fair <Shares>".into(),
            table_number: 2,
            back_url: "/t/T".into(),
            action_url: "/t/T/pledge".into(),
            withdraw_url: "/t/T/pledge/withdraw".into(),
            options: vec![PledgeOptionView {
                id: 7,
                label: "Join the <bus> campaign".into(),
                table: Some("Table 3: Buses".into()),
                checked: true,
            }],
            consent_phone: "They may phone me.".into(),
            consent_email: "They may email me.".into(),
            contact_by: "The team".into(),
            name: String::new(),
            phone: String::new(),
            phone_ok: false,
            email: String::new(),
            email_ok: false,
            error: None,
            notice: None,
            pledged: None,
            open: true,
            about_url: None,
        }
    }

    #[test]
    fn pledge_form_has_unticked_consent_per_channel() {
        let html = pledge_page(&page()).into_string();
        assert!(html.contains("name=\"option_7\" value=\"1\" checked"));
        assert!(html.contains("Join the &lt;bus&gt; campaign"));
        assert!(html.contains("(<bdi>Table 3: Buses</bdi>)"));
        assert!(
            html.contains(
                "<input id=\"p-phone-ok\" type=\"checkbox\" name=\"phone_ok\" value=\"1\">"
            )
        );
        assert!(
            html.contains(
                "<input id=\"p-email-ok\" type=\"checkbox\" name=\"email_ok\" value=\"1\">"
            )
        );
        assert!(html.contains("They may phone me."));
        assert!(!html.contains("id=\"withdraw\""));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn an_existing_pledge_can_be_withdrawn_even_when_closed() {
        let mut p = page();
        p.pledged = Some(vec!["Host a house meeting".into()]);
        p.open = false;
        let html = pledge_page(&p).into_string();
        assert!(html.contains("id=\"withdraw\""));
        assert!(html.contains("Host a house meeting"));
        assert!(!html.contains("id=\"pledge-form\""));
    }
}
