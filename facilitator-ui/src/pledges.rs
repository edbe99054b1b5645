//! The organiser's pledge page: the actions phones offer, who follows up, the optional
//! "about you" questions, and the totals so far (counts only: contact details are in the
//! local campaign pack).

use super::*;

/// One row of the actions editor.
#[derive(Debug, Clone, Default)]
pub struct PledgeOptionRow {
    /// Hidden field: the stored option's id (empty for a new row).
    pub id: String,
    pub label: String,
    /// Table id, or empty.
    pub table: String,
    /// How many have chosen it.
    pub count: i64,
}

/// The organiser's pledge page.
pub struct PledgeSettingsPage {
    pub event_title: String,
    pub action_url: String,
    pub back_url: String,
    /// Stored rows (or as typed after an error), then blank rows.
    pub options: Vec<PledgeOptionRow>,
    /// (table id, "Table 3: Buses") for the "follows up the theme of" choice.
    pub tables: Vec<(i64, String)>,
    pub contact_by: String,
    pub about_you: bool,
    /// `en` or `cy`: the language phones start in.
    pub lang: String,
    /// People who pledged so far.
    pub pledged: i64,
    /// Of them, how many left a way to be contacted.
    pub with_contact: i64,
    /// "About you": how many answered, then per question (question, [(answer, count)]).
    pub about_people: i64,
    pub about_totals: Vec<(String, Vec<(String, i64)>)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// Renders the organiser's pledge page.
pub fn pledge_settings_page(page: &PledgeSettingsPage) -> Markup {
    let content = html! {
        main #main {
            p.back { a #pledges-back href=(page.back_url) { "\u{2190} Back to the event" } }
            h1 { "Phones: " bdi { (page.event_title) } }
            (alert(page.error.as_ref()))
            @if let Some(notice) = &page.notice {
                div.notice role="status" { p { (notice) } }
            }
            section #pledge-totals aria-labelledby="pledge-totals-h" {
                h2 #pledge-totals-h { "So far" }
                p #pledge-count {
                    (plural(page.pledged, "person has", "people have")) " committed to act; "
                    (page.with_contact) " of them left a way to be contacted. Names and contact "
                    "details are in the local campaign pack (Reports on the event page)."
                }
            }
            form #pledge-form .stack method="post" action=(page.action_url) {
                fieldset {
                    legend { "Language on the phones" }
                    div.field {
                        label for="lang" { "Phones start in" }
                        p.hint #lang-hint {
                            "Everyone can switch between English and Cymraeg with one tap; \
                             their choice is remembered."
                        }
                        select #lang name="lang" aria-describedby="lang-hint" {
                            option value="en" selected[page.lang != "cy"] { "English" }
                            option value="cy" selected[page.lang == "cy"] lang="cy" { "Cymraeg" }
                        }
                    }
                }
                fieldset {
                    legend { "Actions people can commit to" }
                    p.hint {
                        "Phones show these when the lead starts the Pledges item of the run of \
                         show. Link an action to a table to follow up its theme (for example \
                         \u{201c}Join the campaign for better buses\u{201d} with the buses table). \
                         Clear a row to remove it; someone who already chose it keeps it."
                    }
                    div.rows {
                        @for (i, row) in page.options.iter().enumerate() {
                            div.form-row {
                                input type="hidden" name={ "option_id_" (i) } value=(row.id);
                                div.field {
                                    label for={ "option_label_" (i) } {
                                        "Action " (i + 1)
                                        @if row.count > 0 { " (chosen by " (row.count) ")" }
                                    }
                                    input id={ "option_label_" (i) } name={ "option_label_" (i) }
                                        type="text" maxlength="120" value=(row.label);
                                }
                                div.field {
                                    label for={ "option_table_" (i) } { "Follows up the theme of" }
                                    select id={ "option_table_" (i) } name={ "option_table_" (i) } {
                                        option value="" selected[row.table.is_empty()] { "No table" }
                                        @for (id, name) in &page.tables {
                                            option value=(id) selected[row.table == id.to_string()] { (name) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                fieldset {
                    legend { "Who will get in touch" }
                    div.field {
                        label for="contact_by" { "Named in the consent sentence people tick" }
                        p.hint #contact-by-hint {
                            "For example \u{201c}the Fair Shares team in Grimsby\u{201d}. Left \
                             empty, phones say \u{201c}The organisers of "
                            bdi { (page.event_title) } "\u{201d}."
                        }
                        input #contact_by name="contact_by" type="text" maxlength="120"
                            value=(page.contact_by) aria-describedby="contact-by-hint";
                    }
                }
                fieldset {
                    legend { "About you (optional questions)" }
                    div.check {
                        input #about_you type="checkbox" name="about_you" value="1" checked[page.about_you];
                        label for="about_you" {
                            "Offer three optional questions on the phone: first political event, "
                            "member of the organising party, age band. You see totals only; "
                            "answers are never joined to comments or pledges."
                        }
                    }
                    @if page.about_people > 0 || page.about_you {
                        p #about-count { (plural(page.about_people, "person", "people")) " answered." }
                        @for (q, answers) in &page.about_totals {
                            p.about-q {
                                strong { (q) } " "
                                @for (i, (a, n)) in answers.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (a) ": " (n)
                                }
                            }
                        }
                    }
                }
                div.actions {
                    button #pledges-save .button.primary type="submit" { "Save" }
                    a href=(page.back_url) { "Cancel" }
                }
            }
        }
    };
    staff_doc(
        &format!("Phones: {}", page.event_title),
        "page-settings",
        Chrome::Organiser,
        &[],
        content,
    )
}
