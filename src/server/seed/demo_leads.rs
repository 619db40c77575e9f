//! The demo's lead-exchange settings (RECORDS.md §4, seed 004): ten partners set up in ten
//! different ways, so every part of the page and the form has something to show (introducers,
//! buyers and both; pre- and post-pay; every delivery method, with its body template and, for
//! XML and POST, an API key header; email delivery; weekday, all-day, weekend, night and
//! weekend-only schedules; text alerts; one partner whose limits cannot both be reached). The
//! other partners keep their defaults, with no row. Each is a merge patch over the partner's
//! defaults, checked on import like a CSR's change (`leads`).

use serde_json::{Value, json};

use super::demo::slug;
use super::file::SeedPartner;

const JSON_BODY: &str = r#"{
  "lead": {
    "id": "{{lead_id}}",
    "received_at": "{{created_at}}",
    "first_name": "{{first_name}}",
    "last_name": "{{last_name}}",
    "email": "{{email}}",
    "phone": "{{phone}}",
    "product": "{{product}}",
    "notes": "{{notes}}"
  }
}"#;

const XML_BODY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<lead id="{{lead_id}}" received="{{created_at}}">
  <name first="{{first_name}}" last="{{last_name}}"/>
  <email>{{email}}</email>
  <phone>{{phone}}</phone>
  <address>{{address}}, {{postal_code}} {{city}}, {{country}}</address>
  <product>{{product}}</product>
  <notes>{{notes}}</notes>
</lead>"#;

/// A SOAP envelope of `ns` (1.1 or 1.2) around the lead, for the service at `service`.
fn soap_body(ns: &str, service: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="{ns}">
  <soap:Body>
    <SubmitLead xmlns="{service}">
      <LeadId>{{{{lead_id}}}}</LeadId>
      <FirstName>{{{{first_name}}}}</FirstName>
      <LastName>{{{{last_name}}}}</LastName>
      <Email>{{{{email}}}}</Email>
      <Phone>{{{{phone}}}}</Phone>
      <Product>{{{{product}}}}</Product>
      <Source>{{{{source}}}}</Source>
      <Notes>{{{{notes}}}}</Notes>
    </SubmitLead>
  </soap:Body>
</soap:Envelope>"#
    )
}

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

const POST_BODY: &str = "lead_id={{lead_id}}&first_name={{first_name}}&last_name={{last_name}}\
&email={{email}}&phone={{phone}}&postal_code={{postal_code}}&product={{product}}&source={{source}}";

/// The partners (by their place among the demo's) that have settings of their own, with the
/// way each is set up.
const SET_UP: [(usize, Setup); 10] = [
    (1, Setup::JsonIntroducer),
    (2, Setup::XmlBuyerAllDay),
    (4, Setup::Soap11Both),
    (6, Setup::Soap12BuyerNights),
    (8, Setup::PostIntroducerInconsistent),
    (10, Setup::EmailBothPostpay),
    (12, Setup::JsonBuyerWeekends),
    (15, Setup::XmlIntroducerNoMonthly),
    (19, Setup::Soap12BothPostpay),
    (23, Setup::EmailBuyerReports),
];

#[derive(Clone, Copy)]
enum Setup {
    JsonIntroducer,
    XmlBuyerAllDay,
    Soap11Both,
    Soap12BuyerNights,
    PostIntroducerInconsistent,
    EmailBothPostpay,
    JsonBuyerWeekends,
    XmlIntroducerNoMonthly,
    Soap12BothPostpay,
    EmailBuyerReports,
}

fn money(amount_minor: i64, currency: &str) -> Value {
    json!({"amount_minor": amount_minor, "currency": currency})
}

/// `window` on the days named, the others off (with the default hours).
fn week(on: &[&str], start: &str, end: &str) -> Value {
    let days: serde_json::Map<String, Value> = crate::domain::WEEKDAY_KEYS
        .iter()
        .map(|d| {
            let day = if on.contains(d) {
                json!({"enabled": true, "start": start, "end": end})
            } else {
                json!({"enabled": false, "start": "09:00", "end": "17:00"})
            };
            (d.to_string(), day)
        })
        .collect();
    json!({"days": days})
}

const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];
const EVERY_DAY: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Internet delivery by `method` to the partner's API at `host`.
fn delivery(method: &str, host: &str, body: &str, api_key: Option<&str>) -> Value {
    let headers = match api_key {
        Some(key) => json!([{"name": "X-Api-Key", "value": key}]),
        None => json!([]),
    };
    json!({
        "enabled": true,
        "method": method,
        "url": format!("https://api.{host}/leads/v2"),
        "body_template": body,
        "headers": headers,
    })
}

/// The merge patch of `setup` for the partner `p`, in its own currency, with a mobile in its
/// own country.
fn patch(setup: Setup, p: &SeedPartner) -> Value {
    let cur = p
        .package
        .as_ref()
        .map_or("EUR", |x| x.price.currency.as_str());
    let host = format!("{}.example", slug(&p.name));
    let country = p.contact.phone.split(' ').next().unwrap_or("+44");
    let mobile = format!("{country} 7700 900{:03}", p.name.len() * 17 % 1000);
    let key = format!("demo-{}-key", slug(&p.name));
    let service = format!("https://{host}/leads");
    match setup {
        Setup::JsonIntroducer => json!({
            "partner_type": "introducer",
            "lead_cost": money(1500, cur),
            "internet_delivery": delivery("json", &host, JSON_BODY, None),
            "daily_limit": 20,
            "monthly_limit": 400,
        }),
        Setup::XmlBuyerAllDay => json!({
            "partner_type": "buyer",
            "lead_cost": null,
            "lead_value": money(4500, cur),
            "billing": "postpay",
            "credit_limit": money(500_000, cur),
            "internet_delivery": delivery("xml", &host, XML_BODY, Some(&key)),
            "schedule": week(&EVERY_DAY, "00:00", "00:00"),
            "contact": {"mobile": mobile},
            "text_alerts": {"on_referral": true, "on_low_funds": false},
            "daily_limit": 200,
            "monthly_limit": 5000,
        }),
        Setup::Soap11Both => json!({
            "partner_type": "both",
            "lead_cost": money(1200, cur),
            "lead_value": money(3900, cur),
            "portal_access": "search_view_reports",
            "internet_delivery": delivery("soap11", &host, &soap_body(SOAP11, &service), None),
            "contact": {"mobile": mobile, "transfer_phone": p.contact.phone},
            "text_alerts": {"on_referral": false, "on_low_funds": true},
            "low_funds_threshold": money(10_000, cur),
            "daily_limit": 50,
            "monthly_limit": 1000,
        }),
        Setup::Soap12BuyerNights => json!({
            "partner_type": "buyer",
            "lead_cost": null,
            "lead_value": money(2500, cur),
            "internet_delivery": delivery("soap12", &host, &soap_body(SOAP12, &service), None),
            "email_delivery": {"enabled": true, "address": format!("night-desk@{host}")},
            "schedule": week(&EVERY_DAY, "20:00", "00:00"),
            "daily_limit": 30,
            "monthly_limit": 900,
        }),
        // The seed's own example: 1 a day never reaches 50 a month (a warning, saved anyway).
        Setup::PostIntroducerInconsistent => json!({
            "partner_type": "introducer",
            "lead_cost": money(900, cur),
            "internet_delivery": delivery("post", &host, POST_BODY, Some(&key)),
            "daily_limit": 1,
            "monthly_limit": 50,
        }),
        Setup::EmailBothPostpay => json!({
            "partner_type": "both",
            "lead_cost": money(2000, cur),
            "lead_value": money(6000, cur),
            "portal_access": "all_but_search_view",
            "require_accept": true,
            "allow_status_updates": true,
            "billing": "postpay",
            "credit_limit": money(250_000, cur),
            "email_delivery": {"enabled": true, "address": format!("leads@{host}")},
            "daily_limit": 10,
            "monthly_limit": 200,
        }),
        Setup::JsonBuyerWeekends => json!({
            "partner_type": "buyer",
            "lead_cost": null,
            "lead_value": money(3500, cur),
            "internet_delivery": delivery("json", &host, JSON_BODY, None),
            "schedule": week(&["sat", "sun"], "10:00", "18:00"),
            "contact": {"mobile": mobile},
            "text_alerts": {"on_referral": true, "on_low_funds": true},
            "low_funds_threshold": money(5_000, cur),
            "daily_limit": 40,
            "monthly_limit": 300,
        }),
        Setup::XmlIntroducerNoMonthly => json!({
            "partner_type": "introducer",
            "lead_cost": money(700, cur),
            "require_accept": true,
            "internet_delivery": delivery("xml", &host, XML_BODY, None),
            "schedule": week(&WEEKDAYS, "08:00", "20:00"),
            "daily_limit": 100,
        }),
        Setup::Soap12BothPostpay => json!({
            "partner_type": "both",
            "lead_cost": money(1000, cur),
            "lead_value": money(2900, cur),
            "billing": "postpay",
            "credit_limit": money(1_000_000, cur),
            "allow_status_updates": true,
            "internet_delivery": delivery("soap12", &host, &soap_body(SOAP12, &service), None),
            "email_delivery": {"enabled": true, "address": format!("crm@{host}")},
            "daily_limit": 75,
            "monthly_limit": 1500,
        }),
        Setup::EmailBuyerReports => json!({
            "partner_type": "buyer",
            "lead_cost": null,
            "lead_value": money(5500, cur),
            "portal_access": "search_view_reports",
            "email_delivery": {"enabled": true, "address": format!("sales@{host}")},
            "schedule": week(&WEEKDAYS, "07:30", "19:00"),
            "daily_limit": 15,
            "monthly_limit": 250,
        }),
    }
}

/// Gives the demo partners in [`SET_UP`] their settings, in place.
pub fn add_lead_settings(partners: &mut [SeedPartner]) {
    for (at, setup) in SET_UP {
        if let Some(p) = partners.get_mut(at) {
            p.lead_settings = Some(patch(setup, p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lead_rules::check;
    use crate::domain::{Billing, DeliveryMethod, LeadPartnerType};
    use crate::server::seed::leads::seeded_settings;

    /// Every seeded setting passes every rule, and together they show every type, billing and
    /// method, with one warning of inconsistent limits among them.
    #[test]
    fn the_demo_settings_break_no_rule_and_show_everything() {
        let data = super::super::demo::generate_at(0, chrono::Utc::now());
        let set: Vec<_> = data
            .partners
            .iter()
            .filter(|p| p.lead_settings.is_some())
            .map(|p| {
                let s = seeded_settings(p, p.lead_settings.as_ref().unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
                assert_eq!(check(&s).errors, vec![], "{}", p.name);
                s
            })
            .collect();
        assert_eq!(set.len(), SET_UP.len());
        for t in LeadPartnerType::ALL {
            assert!(set.iter().any(|s| s.partner_type == t), "{t:?}");
        }
        for b in Billing::ALL {
            assert!(set.iter().any(|s| s.billing == b), "{b:?}");
        }
        for m in DeliveryMethod::ALL {
            assert!(
                set.iter().any(|s| s.internet_delivery.enabled
                    && s.internet_delivery.method == m
                    && !s.internet_delivery.body_template.is_empty()),
                "{m:?}"
            );
        }
        assert!(set.iter().any(|s| s.email_delivery.enabled));
        assert!(set.iter().any(|s| s.text_alerts.on_referral));
        assert!(set.iter().any(|s| s.text_alerts.on_low_funds));
        let unreachable: Vec<_> = set
            .iter()
            .filter(|s| {
                check(s)
                    .warnings
                    .iter()
                    .any(|w| w.code == "unreachable_monthly_limit")
            })
            .collect();
        assert_eq!(unreachable.len(), 1);
        assert_eq!(
            (unreachable[0].daily_limit, unreachable[0].monthly_limit),
            (1, 50)
        );
        let with_key = set
            .iter()
            .filter(|s| !s.internet_delivery.headers.is_empty())
            .count();
        assert!(with_key >= 2);
        assert!(
            data.partners.len() > 3 * set.len(),
            "most partners keep their defaults"
        );
    }
}
