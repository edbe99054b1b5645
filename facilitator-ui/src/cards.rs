//! Printable table cards.

use super::*;

/// One printable card.
pub struct Card {
    pub number: i64,
    pub theme: String,
    pub description: String,
    /// The table's join link (as printed under the QR).
    pub join_url: String,
    /// Image URL of the QR code (SVG).
    pub qr_svg_url: String,
}

/// Printable A4 table cards, one per table.
pub struct CardsPage {
    pub event_title: String,
    pub place: String,
    pub date: String,
    pub code: String,
    /// Where people type the code, e.g. `http://192.168.1.20:8080/`.
    pub landing_url: String,
    pub cards: Vec<Card>,
}

/// Renders the printable table cards.
pub fn cards_page(page: &CardsPage) -> Markup {
    let content = html! {
        main #main .cards {
            div.print-hint {
                h1 { "Table cards: " bdi { (page.event_title) } }
                p {
                    "Use your browser's Print (Ctrl+P, or ⌘P on a Mac). Each table prints on its \
                     own A4 page. Put one card on each table."
                }
            }
            @if page.cards.is_empty() {
                p.empty-state { "This event has no tables yet." }
            }
            @for card in &page.cards {
                section.card id=(format!("card-{}", card.number))
                    aria-label=(format!("Table {}", card.number)) {
                    p.card-table { span.card-table-word { "Table" } span.card-number { (card.number) } }
                    @if !card.theme.trim().is_empty() {
                        h2.card-theme { bdi { (card.theme) } }
                    }
                    @if !card.description.trim().is_empty() {
                        p.card-desc { bdi { (card.description) } }
                    }
                    img.card-qr src=(card.qr_svg_url) alt=(format!("QR code for table {}", card.number))
                        width="400" height="400";
                    p.card-scan { "Scan with your phone camera to join this table" }
                    p.card-url { (card.join_url) }
                    p.card-code {
                        "Or go to " strong { (page.landing_url) } " and type " strong.code { (page.code) }
                    }
                    p.card-foot {
                        bdi { (page.event_title) }
                        @if !page.place.trim().is_empty() || !page.date.trim().is_empty() {
                            " · " (place_and_date(&page.place, &page.date))
                        }
                    }
                }
            }
        }
    };
    staff_doc(
        &format!("Table cards: {}", page.event_title),
        "page-cards",
        Chrome::Bare,
        &[],
        content,
    )
}
