//! The printable intake sheet: one page, English or Spanish, with the fields of the intake form
//! in the same order, so a request taken on paper (a phone call, a table at the market) types
//! in one to one. The private part is set apart, as the app seals it.

use std::fmt::Write;

use crdt_core::{Category, Channel, Urgency};

use crate::html::escape;
use crate::Lang;

struct Sheet {
    title: &'static str,
    short_id: &'static str,
    taken: &'static str,
    taken_by: &'static str,
    channel: &'static str,
    language: &'static str,
    what: &'static str,
    in_words: &'static str,
    in_words_hint: &'static str,
    details: &'static str,
    details_hint: &'static str,
    urgency: &'static str,
    needed_by: &'static str,
    area: &'static str,
    household: &'static str,
    volunteers: &'static str,
    recurring: &'static str,
    yes: &'static str,
    no: &'static str,
    private: &'static str,
    private_hint: &'static str,
    name: &'static str,
    phone: &'static str,
    email: &'static str,
    address: &'static str,
    notes: &'static str,
    consent: &'static str,
    after: &'static str,
}

const EN: Sheet = Sheet {
    title: "Request for help",
    short_id: "Short id, once typed in",
    taken: "Date and time",
    taken_by: "Taken by",
    channel: "How it came in",
    language: "Language(s) the person speaks",
    what: "What is needed (tick all that apply)",
    in_words: "In a few words",
    in_words_hint: "No names, addresses or health details here: every member can read it.",
    details: "Details",
    details_hint: "What, when, anything a volunteer should know. Still no names or addresses.",
    urgency: "How urgent",
    needed_by: "Needed by (date)",
    area: "Area",
    household: "People in the household",
    volunteers: "Volunteers needed",
    recurring: "Every week?",
    yes: "Yes",
    no: "No",
    private: "Private: contact details",
    private_hint: "Only organizers read these (and the volunteer who helps, if the person agrees).",
    name: "Name",
    phone: "Phone",
    email: "Email",
    address: "Address or cross streets",
    notes: "Private notes (health, access, best time to call)",
    consent: "May the volunteer who helps see these contact details?",
    after: "Once typed into aidmesh (Needs → Post a need, or aidmesh need add), write the short id at the top, then shred this sheet or keep it locked away.",
};

const ES: Sheet = Sheet {
    title: "Solicitud de ayuda",
    short_id: "Código corto, una vez registrada",
    taken: "Fecha y hora",
    taken_by: "Tomada por",
    channel: "Cómo llegó",
    language: "Idioma(s) de la persona",
    what: "Qué necesita (marque todo lo que aplique)",
    in_words: "En pocas palabras",
    in_words_hint: "Sin nombres, direcciones ni datos de salud: lo lee todo el grupo.",
    details: "Detalles",
    details_hint: "Qué, cuándo, lo que deba saber quien ayude. Tampoco nombres ni direcciones.",
    urgency: "Urgencia",
    needed_by: "Para cuándo (fecha)",
    area: "Zona",
    household: "Personas en el hogar",
    volunteers: "Voluntarias necesarias",
    recurring: "¿Cada semana?",
    yes: "Sí",
    no: "No",
    private: "Privado: datos de contacto",
    private_hint: "Solo los leen quienes coordinan (y quien ayude, si la persona está de acuerdo).",
    name: "Nombre",
    phone: "Teléfono",
    email: "Correo",
    address: "Dirección o esquina",
    notes: "Notas privadas (salud, acceso, mejor hora para llamar)",
    consent: "¿Puede ver estos datos la persona voluntaria que ayude?",
    after: "Cuando esté en aidmesh (Necesidades → Publicar una necesidad, o aidmesh need add), escriba el código corto arriba y destruya esta hoja o guárdela bajo llave.",
};

const STYLE: &str = "body{font:11pt/1.35 system-ui,sans-serif;margin:0;color:#111}\
main{max-width:190mm;margin:0 auto;padding:8mm}\
header{display:flex;justify-content:space-between;align-items:flex-start;gap:6mm;border-bottom:2px solid #111;padding-bottom:2mm}\
h1{font-size:18pt;margin:0}.group{margin:0;color:#444}\
.id{border:2px solid #111;padding:1mm 2mm;min-width:45mm;font-size:9pt}.id div{height:9mm}\
section{margin-top:3mm}h2{font-size:12pt;margin:0 0 1mm}\
.row{display:flex;gap:4mm}.row>label{flex:1}\
label{display:block;font-size:9pt;color:#333;margin-top:2mm}\
.line{border-bottom:1px solid #555;height:7mm}.box{border:1px solid #555;height:18mm}\
.hint{font-size:8.5pt;color:#555;margin:0}\
.ticks{display:flex;flex-wrap:wrap;gap:1mm 5mm;margin-top:1mm;font-size:11pt;color:#111}.ticks span::before{content:'';display:inline-block;width:3.2mm;height:3.2mm;border:1.5px solid #111;margin-right:1.5mm;vertical-align:-0.5mm}\
.private{border:2px dashed #111;padding:2mm 3mm;margin-top:4mm}\
footer{margin-top:4mm;font-size:9pt;color:#333}\
@page{size:A4;margin:8mm}@media print{main{padding:0}}";

/// The intake sheet for `group`, offering the group's categories (its own names for the rest
/// come from `lang`).
pub fn intake_sheet(group: &str, categories: &[Category], lang: Lang) -> String {
    let s = match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    };
    let ticks = |items: Vec<&str>| format!("<div class=\"ticks\">{}</div>", items.iter().map(|i| format!("<span>{}</span>", escape(i))).collect::<String>());
    let line = |label: &str| format!("<label>{label}<div class=\"line\"></div></label>");
    let mut page = format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}: {}</title><style>{STYLE}</style></head><body><main>",
        lang.words().code,
        escape(group),
        s.title
    );
    let _ = write!(page, "<header><div><h1>{}</h1><p class=\"group\">{}</p></div><div class=\"id\">{}<div></div></div></header>", s.title, escape(group), s.short_id);
    let _ = write!(page, "<section><div class=\"row\">{}{}</div>", line(s.taken), line(s.taken_by));
    let _ = write!(page, "<label>{}</label>{}", s.channel, ticks(Channel::ALL.iter().filter(|c| **c != Channel::App).map(|c| channel(lang, *c)).collect()));
    let _ = write!(page, "{}</section>", line(s.language));
    let _ = write!(page, "<section><label>{}</label>{}", s.what, ticks(categories.iter().map(|c| lang.category(*c)).collect()));
    let _ = write!(page, "<label>{}<p class=\"hint\">{}</p><div class=\"line\"></div></label>", s.in_words, s.in_words_hint);
    let _ = write!(page, "<label>{}<p class=\"hint\">{}</p><div class=\"box\"></div></label>", s.details, s.details_hint);
    let _ = write!(page, "<label>{}</label>{}", s.urgency, ticks(Urgency::ALL.iter().map(|u| urgency(lang, *u)).collect()));
    let _ = write!(page, "<div class=\"row\">{}{}</div>", line(s.needed_by), line(s.area));
    let _ = write!(page, "<div class=\"row\">{}{}<label>{}{}</label></div></section>", line(s.household), line(s.volunteers), s.recurring, ticks(vec![s.yes, s.no]));
    let _ = write!(page, "<section class=\"private\"><h2>{}</h2><p class=\"hint\">{}</p>", s.private, s.private_hint);
    let _ = write!(page, "<div class=\"row\">{}{}</div>", line(s.name), line(s.phone));
    let _ = write!(page, "<div class=\"row\">{}{}</div>", line(s.email), line(s.address));
    let _ = write!(page, "<label>{}<div class=\"box\"></div></label>", s.notes);
    let _ = write!(page, "<label>{}</label>{}</section>", s.consent, ticks(vec![s.yes, s.no]));
    let _ = write!(page, "<footer>{}</footer></main></body></html>\n", s.after);
    page
}

fn channel(lang: Lang, channel: Channel) -> &'static str {
    match (lang, channel) {
        (Lang::En, Channel::App) => "App",
        (Lang::En, Channel::Phone) => "Phone call",
        (Lang::En, Channel::Text) => "Text message",
        (Lang::En, Channel::Paper) => "Paper",
        (Lang::En, Channel::WalkIn) => "In person",
        (Lang::En, Channel::WebForm) => "Web form",
        (Lang::Es, Channel::App) => "App",
        (Lang::Es, Channel::Phone) => "Llamada",
        (Lang::Es, Channel::Text) => "Mensaje de texto",
        (Lang::Es, Channel::Paper) => "Papel",
        (Lang::Es, Channel::WalkIn) => "En persona",
        (Lang::Es, Channel::WebForm) => "Formulario web",
    }
}

fn urgency(lang: Lang, urgency: Urgency) -> &'static str {
    match (lang, urgency) {
        (Lang::En, Urgency::Critical) => "Critical",
        (Lang::En, Urgency::High) => "High",
        (Lang::En, Urgency::Normal) => "Normal",
        (Lang::En, Urgency::Low) => "Low",
        (Lang::Es, Urgency::Critical) => "Crítica",
        (Lang::Es, Urgency::High) => "Alta",
        (Lang::Es, Urgency::Normal) => "Normal",
        (Lang::Es, Urgency::Low) => "Baja",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_offers_the_groups_categories_in_its_language_and_escapes_the_name() {
        let page = intake_sheet("Ayuda <Mutua>", &[Category::Groceries, Category::Medical], Lang::Es);
        assert!(page.contains("Ayuda &lt;Mutua&gt;") && !page.contains("<Mutua>"));
        assert!(page.contains("Compras de comida") && page.contains("Salud") && !page.contains("Vivienda"));
        assert!(page.contains("¿Puede ver estos datos") && page.contains("Llamada"));
        assert!(!page.contains("<script") && !page.contains("http"), "nothing runs and nothing is fetched");
    }
}
