//! What the report says, in English and Spanish. The app's own words live in `ui/src/i18n`;
//! these are the report's, the same on screen, on paper and from the CLI.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use crdt_core::report::{Bucket, Unmatched};
use crdt_core::{Category, ConflictKind, NeedStatus};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(code: &str) -> Result<Lang, String> {
        match code {
            "en" => Ok(Lang::En),
            "es" => Ok(Lang::Es),
            other => Err(format!("the report speaks English (en) or Spanish (es), not {other:?}")),
        }
    }
}

/// The fixed phrases of one language.
pub struct Words {
    pub code: &'static str,
    pub title: &'static str,
    pub posted: &'static str,
    pub done: &'static str,
    pub median_to_volunteer: &'static str,
    pub open_over_5: &'static str,
    pub needs_posted: &'static str,
    pub by_status: &'static str,
    pub week_of: &'static str,
    pub month_of: &'static str,
    pub category: &'static str,
    pub needs: &'static str,
    pub waits: &'static str,
    pub to_volunteer: &'static str,
    pub to_done: &'static str,
    pub median: &'static str,
    pub slowest_tenth: &'static str,
    pub none_yet: &'static str,
    pub open_by_age: &'static str,
    pub age: &'static str,
    pub under_3: &'static str,
    pub from_3_to_5: &'static str,
    pub over_5: &'static str,
    pub waiting_longest: &'static str,
    pub days_waiting: &'static str,
    pub under_a_day: &'static str,
    pub areas: &'static str,
    pub area: &'static str,
    pub served: &'static str,
    pub unserved: &'static str,
    pub offers_unused: &'static str,
    pub offers: &'static str,
    pub why: &'static str,
    pub hours: &'static str,
    pub hours_by_member: &'static str,
    pub member: &'static str,
    pub given: &'static str,
    pub received: &'static str,
    pub no_category: &'static str,
    pub quiet: &'static str,
    pub conflicts: &'static str,
    pub nobody: &'static str,
    pub nothing: &'static str,
    pub numbers: &'static str,
    pub no_contact: &'static str,
    pub network: &'static str,
    pub network_totals: &'static str,
    pub group: &'static str,
    pub all_groups: &'static str,
    /// The network table's figures, short enough for a phone: posted, done, served, open over 5
    /// days, hours given, active members.
    pub network_columns: [&'static str; 6],
    pub counted_twice: &'static str,
    /// `{day}`: when the oldest record this device keeps begins.
    pub not_held_before: &'static str,
    months: [&'static str; 12],
}

const EN: Words = Words {
    code: "en",
    title: "Meeting report",
    posted: "needs posted",
    done: "of them done",
    median_to_volunteer: "median wait for a volunteer",
    open_over_5: "open over 5 days",
    needs_posted: "Needs posted",
    by_status: "Where they stand now",
    week_of: "Week of",
    month_of: "Month of",
    category: "Category",
    needs: "Needs",
    waits: "How long people waited",
    to_volunteer: "From posted to a first volunteer",
    to_done: "From posted to done",
    median: "median",
    slowest_tenth: "slowest tenth",
    none_yet: "none in this period",
    open_by_age: "Open needs by how long they have waited",
    age: "Waiting",
    under_3: "under 3 days",
    from_3_to_5: "3 to 5 days",
    over_5: "over 5 days",
    waiting_longest: "Waiting longest",
    days_waiting: "days",
    under_a_day: "under a day",
    areas: "Areas",
    area: "Area",
    served: "served",
    unserved: "not yet served",
    offers_unused: "Offers never used, and why",
    offers: "Offers",
    why: "Why",
    hours: "Hours given (confirmed)",
    hours_by_member: "Hours by member",
    member: "Member",
    given: "Given",
    received: "Received",
    no_category: "no category",
    quiet: "Quiet in this period",
    conflicts: "Conflicts waiting for a decision",
    nobody: "nobody",
    nothing: "none",
    numbers: "The numbers",
    no_contact: "No contact details are ever in this report.",
    network: "Network of chapters",
    network_totals: "Each group, and all of them",
    group: "Group",
    all_groups: "All groups",
    network_columns: ["Posted", "Done", "Served", "Open > 5 d", "Hours", "Active"],
    counted_twice: "Counts only, from files each group signed. A person in two groups counts in each.",
    not_held_before: "Not counted: what happened before {day}. The group's record was renewed then, and this device no longer keeps the old one; a hub or an organizer's laptop that keeps it can show it.",
    months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
};

const ES: Words = Words {
    code: "es",
    title: "Informe para la reunión",
    posted: "necesidades publicadas",
    done: "ya resueltas",
    median_to_volunteer: "espera mediana hasta un voluntario",
    open_over_5: "abiertas más de 5 días",
    needs_posted: "Necesidades publicadas",
    by_status: "Cómo están ahora",
    week_of: "Semana del",
    month_of: "Mes de",
    category: "Categoría",
    needs: "Necesidades",
    waits: "Cuánto esperó la gente",
    to_volunteer: "De publicada a un primer voluntario",
    to_done: "De publicada a resuelta",
    median: "mediana",
    slowest_tenth: "el 10 % más lento",
    none_yet: "ninguna en este periodo",
    open_by_age: "Necesidades abiertas según cuánto llevan esperando",
    age: "Esperando",
    under_3: "menos de 3 días",
    from_3_to_5: "de 3 a 5 días",
    over_5: "más de 5 días",
    waiting_longest: "Las que más esperan",
    days_waiting: "días",
    under_a_day: "menos de un día",
    areas: "Zonas",
    area: "Zona",
    served: "atendidas",
    unserved: "sin atender aún",
    offers_unused: "Ofertas nunca usadas, y por qué",
    offers: "Ofertas",
    why: "Por qué",
    hours: "Horas dadas (confirmadas)",
    hours_by_member: "Horas por persona",
    member: "Persona",
    given: "Dadas",
    received: "Recibidas",
    no_category: "sin categoría",
    quiet: "Sin actividad en este periodo",
    conflicts: "Conflictos que esperan una decisión",
    nobody: "nadie",
    nothing: "ninguno",
    numbers: "Las cifras",
    no_contact: "Este informe nunca lleva datos de contacto.",
    network: "Red de grupos",
    network_totals: "Cada grupo, y todos juntos",
    group: "Grupo",
    all_groups: "Todos los grupos",
    network_columns: ["Publicadas", "Resueltas", "Atendidas", "Abiertas > 5 d", "Horas", "Activas"],
    counted_twice: "Solo cifras, de archivos que cada grupo firmó. Quien está en dos grupos cuenta en cada uno.",
    not_held_before: "Sin contar: lo que pasó antes del {day}. El registro del grupo se renovó entonces y este dispositivo ya no guarda el antiguo; un hub o el portátil de alguien de la organización que lo guarde puede mostrarlo.",
    months: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
};

impl Lang {
    pub fn words(self) -> &'static Words {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }

    pub fn category(self, category: Category) -> &'static str {
        use Category::*;
        match (self, category) {
            (Lang::En, Groceries) => "Groceries",
            (Lang::En, Meals) => "Meals",
            (Lang::En, Medical) => "Medical",
            (Lang::En, Transport) => "Transport",
            (Lang::En, Childcare) => "Childcare",
            (Lang::En, Eldercare) => "Eldercare",
            (Lang::En, Housing) => "Housing",
            (Lang::En, Money) => "Money",
            (Lang::En, Translation) => "Translation",
            (Lang::En, Paperwork) => "Paperwork",
            (Lang::En, TechHelp) => "Tech help",
            (Lang::En, Household) => "Household",
            (Lang::En, Other) => "Other",
            (Lang::Es, Groceries) => "Compras de comida",
            (Lang::Es, Meals) => "Comidas",
            (Lang::Es, Medical) => "Salud",
            (Lang::Es, Transport) => "Transporte",
            (Lang::Es, Childcare) => "Cuidado de niños",
            (Lang::Es, Eldercare) => "Cuidado de mayores",
            (Lang::Es, Housing) => "Vivienda",
            (Lang::Es, Money) => "Dinero",
            (Lang::Es, Translation) => "Traducción",
            (Lang::Es, Paperwork) => "Trámites",
            (Lang::Es, TechHelp) => "Ayuda con tecnología",
            (Lang::Es, Household) => "Tareas de casa",
            (Lang::Es, Other) => "Otra cosa",
        }
    }

    pub fn status(self, status: NeedStatus) -> &'static str {
        use NeedStatus::*;
        match (self, status) {
            (Lang::En, Open) => "Open",
            (Lang::En, Matched) => "Matched",
            (Lang::En, InProgress) => "In progress",
            (Lang::En, Done) => "Done",
            (Lang::En, Cancelled) => "Cancelled",
            (Lang::En, Expired) => "Expired",
            (Lang::En, Referred) => "Referred",
            (Lang::Es, Open) => "Abierta",
            (Lang::Es, Matched) => "Asignada",
            (Lang::Es, InProgress) => "En curso",
            (Lang::Es, Done) => "Resuelta",
            (Lang::Es, Cancelled) => "Cancelada",
            (Lang::Es, Expired) => "Caducada",
            (Lang::Es, Referred) => "Derivada",
        }
    }

    pub fn unmatched(self, why: Unmatched) -> &'static str {
        use Unmatched::*;
        match (self, why) {
            (Lang::En, NotActive) => "paused or withdrawn",
            (Lang::En, VolunteerRemoved) => "the volunteer left the group",
            (Lang::En, NoNeedInItsCategories) => "nobody asked for what it offers",
            (Lang::En, AtCapacity) => "at capacity",
            (Lang::En, Declined) => "the volunteer declined the needs it fitted",
            (Lang::En, NeverChosen) => "suggested by matching, never chosen",
            (Lang::Es, NotActive) => "en pausa o retirada",
            (Lang::Es, VolunteerRemoved) => "la persona dejó el grupo",
            (Lang::Es, NoNeedInItsCategories) => "nadie pidió lo que ofrece",
            (Lang::Es, AtCapacity) => "sin hueco",
            (Lang::Es, Declined) => "la persona rechazó las necesidades que encajaban",
            (Lang::Es, NeverChosen) => "sugerida al emparejar, nunca elegida",
        }
    }

    pub fn conflict(self, kind: &ConflictKind) -> &'static str {
        use ConflictKind::*;
        match (self, kind) {
            (Lang::En, ConcurrentEdit) => "changed on two phones while apart",
            (Lang::En, DoneVersusCancelled) => "marked done on one phone, cancelled on another",
            (Lang::En, OverAssigned { .. }) => "more volunteers than it asked for",
            (Lang::En, OverCapacity { .. }) => "more tasks than the offer's capacity",
            (Lang::En, HoursLoggedTwice) => "hours logged twice",
            (Lang::Es, ConcurrentEdit) => "cambiada en dos teléfonos a la vez",
            (Lang::Es, DoneVersusCancelled) => "resuelta en un teléfono, cancelada en otro",
            (Lang::Es, OverAssigned { .. }) => "más voluntarios de los que pidió",
            (Lang::Es, OverCapacity { .. }) => "más tareas que la capacidad de la oferta",
            (Lang::Es, HoursLoggedTwice) => "horas registradas dos veces",
        }
    }

    /// "14 Jan 2030" or "14 ene 2030".
    pub fn day(self, day: NaiveDate) -> String {
        format!("{} {} {}", day.day(), self.words().months[day.month0() as usize], day.year())
    }

    /// How a row of figures over time is named: "Week of 14 Jan 2030", "Month of Jan 2030".
    pub fn starting(self, bucket: Bucket, day: NaiveDate) -> String {
        let words = self.words();
        match bucket {
            Bucket::Week => format!("{} {}", words.week_of, self.day(day)),
            Bucket::Month => format!("{} {} {}", words.month_of, words.months[day.month0() as usize], day.year()),
        }
    }
}
