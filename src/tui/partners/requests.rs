//! While impersonating: the partner's own requests and what became of them (a rejection's
//! reason included), and `n` to submit one on the partner's behalf in a form whose fields follow
//! the kind (an item and price for a package, an add-on or an advertising package; a start for a
//! broadcast; start and end for an ad). The domain's rules of a new request (`check_request`,
//! the server's own) run before it is sent; the submission's key is kept for its retries, and
//! the server's audit names the CSR behind the impersonation as well as the partner.

use chrono::NaiveDate;

use crate::client::ApiError;
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Layer};
use crate::tui::form::dates::{start_of, zone};
use crate::tui::form::{FieldKind, FieldSpec, Form, Layout, parse_money};
use crate::tui::record::profile::{FormDialog, FormTarget};

/// What the submission form sends, until it is answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestForm {
    /// The impersonation's token: the request is the partner's own.
    pub token: String,
    /// Kept for every retry of this submission.
    pub key: String,
    pub time_zone: String,
}

const WITH_ITEM: &[&str] = &["partnership", "addon", "advertising_package"];
const STARTS: &[&str] = &["broadcast", "ad"];
const IMPRESSIONS: &[&str] = &["advertising_package", "ad"];

/// The form for a new request of the partner, `currency` its usual one.
pub fn request_form(partner: &str, currency: &str, today: NaiveDate) -> Form {
    let spec = |pointer: &'static str, label: &'static str, kind: FieldKind| FieldSpec {
        pointer,
        label,
        kind,
        check: None,
        value: String::new(),
    };
    let text = |pointer, label, max| spec(pointer, label, FieldKind::Text { max });
    let when = |values: &'static [&'static str]| Layout::default().when("/kind", values);
    let kinds = FieldKind::Choice(
        [
            Kind::Partnership,
            Kind::Addon,
            Kind::AdvertisingPackage,
            Kind::Broadcast,
            Kind::Ad,
        ]
        .into_iter()
        .map(|k| (k.as_str().to_string(), k.label().to_string()))
        .collect(),
    );
    let specs = vec![
        (
            FieldSpec {
                value: Kind::Partnership.as_str().into(),
                ..spec("/kind", "Kind", kinds)
            },
            Layout::default(),
        ),
        (text("/title", "Title", 200), Layout::default()),
        (text("/item/name", "Item", 200), when(WITH_ITEM)),
        (
            spec(
                "/item/price",
                "Price",
                FieldKind::Money {
                    currency: currency.into(),
                },
            ),
            when(WITH_ITEM),
        ),
        (
            spec(
                "/description",
                "Description",
                FieldKind::MultiLine { max: 4000 },
            ),
            Layout::default(),
        ),
        (
            text("/details/engagement_type", "Engagement", 100),
            when(&["broadcast"]),
        ),
        (
            text("/details/audience", "Audience", 200),
            when(&["broadcast"]),
        ),
        (
            text("/details/estimated_reach", "Estimated reach", 12),
            when(&["broadcast"]),
        ),
        (
            spec(
                "/details/preview",
                "Preview",
                FieldKind::MultiLine { max: 4000 },
            ),
            when(&["broadcast"]),
        ),
        (text("/details/headline", "Headline", 200), when(&["ad"])),
        (
            spec("/details/body", "Body", FieldKind::MultiLine { max: 4000 }),
            when(&["ad"]),
        ),
        (text("/details/image_url", "Image URL", 2000), when(&["ad"])),
        (
            text("/details/target_url", "Target URL", 2000),
            when(&["ad"]),
        ),
        (
            text("/details/impressions", "Impressions", 12),
            when(IMPRESSIONS),
        ),
        (
            spec("/details/starts_at", "Starts", FieldKind::Date { today }),
            when(STARTS),
        ),
        (
            spec("/details/ends_at", "Ends", FieldKind::Date { today }),
            when(&["ad"]),
        ),
    ];
    Form::laid_out(format!("A request of {partner}"), specs).for_new()
}

/// The request the form holds; `Err` names each field that cannot be read.
pub fn request_from(
    form: &Form,
    currency: &str,
    tz: chrono_tz::Tz,
    today: NaiveDate,
) -> Result<NewRequest, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let shown = |p: &str| {
        form.fields
            .iter()
            .position(|f| f.pointer == p)
            .is_some_and(|i| form.shown(i))
    };
    let get = |p: &str| -> Option<String> {
        let v = form.value(p).unwrap_or("").trim_end().to_string();
        (shown(p) && !v.trim().is_empty()).then_some(v)
    };
    let mut number = |p: &str| -> Option<i64> {
        let v = get(p)?;
        match v.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push((p.to_string(), "A whole number.".to_string()));
                None
            }
        }
    };
    let estimated_reach = number("/details/estimated_reach");
    let impressions = number("/details/impressions");
    let mut day = |p: &str| -> Option<chrono::DateTime<chrono::Utc>> {
        let v = get(p)?;
        match crate::tui::form::dates::parse_day(&v, today) {
            Ok(d) => Some(start_of(d, tz)),
            Err(e) => {
                errors.push((p.to_string(), e));
                None
            }
        }
    };
    let starts_at = day("/details/starts_at");
    let ends_at = day("/details/ends_at");
    let kind = Kind::parse(form.value("/kind").unwrap_or("")).unwrap_or(Kind::Partnership);
    let item = match (get("/item/name"), get("/item/price")) {
        (None, None) => None,
        (name, price) => {
            let amount = price.as_deref().and_then(parse_money);
            if price.is_some() && amount.is_none() {
                errors.push(("/item/price".into(), "An amount such as 49.00.".into()));
            }
            Some(Item {
                name: name.unwrap_or_default(),
                price: Money::new(amount.unwrap_or(0), currency),
            })
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewRequest {
        kind,
        title: get("/title").unwrap_or_default(),
        item,
        description: get("/description").unwrap_or_default(),
        details: Details {
            engagement_type: get("/details/engagement_type"),
            audience: get("/details/audience"),
            estimated_reach,
            preview: get("/details/preview"),
            starts_at,
            impressions,
            headline: get("/details/headline"),
            body: get("/details/body"),
            image_url: get("/details/image_url"),
            target_url: get("/details/target_url"),
            ends_at,
        },
    })
}

impl App {
    /// The partner's usual currency: its package's, else EUR.
    fn impersonated_currency(&self) -> String {
        self.partners
            .impersonating
            .as_ref()
            .and_then(|i| i.me.as_ref())
            .and_then(|p| p.summary.package.as_ref())
            .map_or("EUR".into(), |i| i.price.currency.clone())
    }

    /// `n` in the partner's view: a request on its behalf.
    pub(in crate::tui) fn open_request_form(&mut self) -> Handled {
        if let Some(why) = self.read_only_reason() {
            return self
                .warning(why.replace("decide", "submit requests"))
                .into();
        }
        let Some(imp) = self.partners.impersonating.as_ref() else {
            return Handled::Ignored;
        };
        let time_zone = imp
            .me
            .as_ref()
            .map_or("UTC".to_string(), |p| p.contact.time_zone.clone());
        let today = crate::tui::form::dates::day_in(self.now, zone(&time_zone));
        let form = request_form(
            &imp.session.partner.name,
            &self.impersonated_currency(),
            today,
        );
        let target = RequestForm {
            token: imp.session.token.clone(),
            key: self.keys.next(0, self.now).idempotency_key,
            time_zone,
        };
        self.focus.push(Layer::Form(Box::new(FormDialog {
            form,
            target: FormTarget::PartnerRequest(Box::new(target)),
        })));
        Handled::done()
    }

    /// The form saved: checked with the server's rules of a new request, then sent.
    pub(in crate::tui) fn request_form_saved(
        &mut self,
        form: &mut Form,
        target: &RequestForm,
    ) -> Handled {
        let tz = zone(&target.time_zone);
        let today = crate::tui::form::dates::day_in(self.now, tz);
        let currency = self.impersonated_currency();
        let request = match request_from(form, &currency, tz, today) {
            Ok(r) => r.normalized(),
            Err(errors) => {
                form.refuse(&errors, "Nothing was sent");
                return Handled::done();
            }
        };
        let errors: Vec<(String, String)> = check_request(&request, self.now)
            .into_iter()
            .map(|e| (e.field, e.detail))
            .collect();
        if !errors.is_empty() {
            form.refuse(&errors, "Nothing was sent");
            return Handled::done();
        }
        form.saving = true;
        vec![Effect::SubmitRequest {
            token: target.token.clone(),
            key: target.key.clone(),
            request,
        }]
        .into()
    }

    /// The submission's answer: the form closes and the list shows it, or the form says why.
    pub(in crate::tui) fn on_request_submitted(
        &mut self,
        result: Result<PartnerRequest, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(r) => {
                self.focus.close(
                    |l| matches!(l, Layer::Form(d) if matches!(d.target, FormTarget::PartnerRequest(_))),
                );
                let mut fx =
                    self.toast(format!("Submitted “{}” on the partner's behalf.", r.title));
                if let Some(imp) = self.partners.impersonating.as_mut() {
                    imp.requests.retain(|x| x.id != r.id);
                    imp.requests.insert(0, r);
                    fx.push(Effect::LoadPartnerRequests {
                        token: imp.session.token.clone(),
                    });
                }
                fx
            }
            Err(e) => {
                let why = e.user_message();
                self.form_refused(|t| matches!(t, FormTarget::PartnerRequest(_)), &e, why)
            }
        }
    }

    pub(in crate::tui) fn on_partner_requests(
        &mut self,
        result: Result<Vec<PartnerRequest>, ApiError>,
    ) -> Vec<Effect> {
        let Some(imp) = self.partners.impersonating.as_mut() else {
            return Vec::new();
        };
        match result {
            Ok(list) => imp.requests = list,
            Err(e) => tracing::info!("the partner's requests could not be read: {e}"),
        }
        Vec::new()
    }
}

/// "pending   Partnership package · Gold for Acme · 2026-12-07", and a rejection's reason
/// beneath it.
pub fn request_lines(r: &PartnerRequest) -> Vec<String> {
    let mut out = vec![format!(
        "  {:<9} {} · {} · {}",
        r.status.as_str(),
        r.kind.label(),
        r.title,
        crate::tui::view::format::absolute(r.requested_at)
    )];
    if let Some(reason) = r.reason.as_deref().filter(|s| !s.is_empty()) {
        let what = if r.status == Status::Rejected {
            "reason"
        } else {
            "comment"
        };
        out.push(format!("            {what}: {}", reason.replace('\n', " ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::Role;
    use crate::tui::app::msg::Msg;
    use crate::tui::app::{App, Session};
    use crate::tui::test_data::{T0, impersonation, signed_in};

    fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
        app.update(Msg::Key(KeyEvent::new(code, mods)), T0)
    }

    fn typed(app: &mut App, text: &str) -> Vec<Effect> {
        text.chars()
            .flat_map(|c| key(app, KeyCode::Char(c), KeyModifiers::NONE))
            .collect()
    }

    fn tab(app: &mut App) {
        key(app, KeyCode::Tab, KeyModifiers::NONE);
    }

    fn form(app: &App) -> &Form {
        match app.focus.top() {
            Layer::Form(d) => &d.form,
            other => panic!("no form: {other:?}"),
        }
    }

    fn impersonating() -> App {
        let mut app = signed_in(Session::default(), Role::Csr, 3);
        let fx = app.update(Msg::Impersonated(Ok(impersonation(2))), T0);
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::LoadPartnerRequests { .. })),
            "the partner's requests are read with its view"
        );
        app
    }

    fn request(id: &str, status: Status, reason: Option<&str>) -> PartnerRequest {
        PartnerRequest {
            id: id.into(),
            kind: Kind::Addon,
            status,
            title: "Analytics Pro".into(),
            item: None,
            description: String::new(),
            details: Details::default(),
            requested_at: T0,
            decided_at: None,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn the_partner_view_lists_its_requests_with_a_rejections_reason() {
        let mut app = impersonating();
        app.update(
            Msg::PartnerRequests(Ok(vec![
                request("ap_1", Status::Rejected, Some("Not in your region.")),
                request("ap_2", Status::Pending, None),
            ])),
            T0,
        );
        let imp = app.partners.impersonating.as_ref().unwrap();
        let lines: Vec<String> = imp.requests.iter().flat_map(request_lines).collect();
        assert!(lines[0].contains("rejected") && lines[0].contains("Add-on"));
        assert!(lines[1].contains("reason: Not in your region."));
        assert!(lines[2].contains("pending"));
    }

    #[test]
    fn n_submits_a_request_checked_by_the_servers_rules_under_one_key() {
        let mut app = impersonating();
        typed(&mut app, "n");
        assert!(matches!(app.focus.top(), Layer::Form(_)));
        // A broadcast: its start shows, the item goes.
        key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        typed(&mut app, "broad");
        key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        let shown = |app: &App, p: &str| {
            let f = form(app);
            f.fields
                .iter()
                .position(|x| x.pointer == p)
                .is_some_and(|i| f.shown(i))
        };
        assert!(shown(&app, "/details/starts_at") && !shown(&app, "/item/name"));
        // A partnership needs its item: refused before anything is sent, on the field.
        key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        typed(&mut app, "partnership");
        key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        tab(&mut app);
        typed(&mut app, "Gold for us");
        let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::SubmitRequest { .. })),
            "{fx:?}"
        );
        assert!(form(&app).field("/item/name").unwrap().error.is_some());
        // The focus went to it.
        assert_eq!(form(&app).fields[form(&app).focus].pointer, "/item/name");
        typed(&mut app, "Gold");
        tab(&mut app);
        typed(&mut app, "49.00");
        tab(&mut app);
        typed(&mut app, "We grew; Gold fits.");
        let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let Some(Effect::SubmitRequest {
            token,
            key: first_key,
            request,
        }) = fx.first()
        else {
            panic!("{fx:?}");
        };
        assert_eq!(token, &impersonation(2).token);
        assert_eq!(request.kind, Kind::Partnership);
        assert_eq!(request.item.as_ref().unwrap().price.amount_minor, 4900);
        let first_key = first_key.clone();
        // It failed on the way: the form stays, and the retry has the same key.
        app.update(
            Msg::RequestSubmitted(Err(ApiError::Unreachable {
                message: "refused".into(),
            })),
            T0,
        );
        assert!(form(&app).note.is_some());
        let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(
            matches!(fx.first(), Some(Effect::SubmitRequest { key, .. }) if *key == first_key),
            "{fx:?}"
        );
        let mut made = request_from_effect(&fx);
        made.title = "Gold for us".into();
        let fx = app.update(Msg::RequestSubmitted(Ok(made)), T0);
        assert!(matches!(app.focus.top(), Layer::PartnerView));
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::LoadPartnerRequests { .. }))
        );
        assert_eq!(
            app.partners.impersonating.as_ref().unwrap().requests.len(),
            1
        );
    }

    fn request_from_effect(fx: &[Effect]) -> PartnerRequest {
        let Some(Effect::SubmitRequest { request, .. }) = fx.first() else {
            panic!("{fx:?}");
        };
        PartnerRequest {
            id: "ap_new".into(),
            kind: request.kind,
            status: Status::Pending,
            title: request.title.clone(),
            item: request.item.clone(),
            description: request.description.clone(),
            details: request.details.clone(),
            requested_at: T0,
            decided_at: None,
            reason: None,
        }
    }
}
