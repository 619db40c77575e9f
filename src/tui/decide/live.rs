//! What other CSRs did, as the event stream tells it: a decided item leaves its queue (with a
//! toast if it was the one selected), a new request reloads its queue.

use crate::domain::{ServerEvent, Status};
use crate::tui::app::effect::Effect;
use crate::tui::app::{App, Load};

use super::{as_approval, pending_section, what};

impl App {
    pub(in crate::tui) fn on_live_event(&mut self, event: ServerEvent) -> Vec<Effect> {
        let mut fx = vec![Effect::LoadSummary];
        match event {
            ServerEvent::ApprovalDecided(d) => {
                let section = pending_section(d.kind);
                let active = self.active_section_id();
                let s = self.section(section);
                let selected = s
                    .selected_row()
                    .filter(|r| r.id() == d.id)
                    .and_then(as_approval)
                    .cloned();
                let by_me = self
                    .user
                    .as_ref()
                    .is_some_and(|me| me.id == d.decided_by.id);
                self.section_mut(section).remove(&d.id);
                if let (Some(a), true, false) = (selected, section == active, by_me) {
                    fx.extend(self.warning(format!(
                        "{} – {} was just {} by {}",
                        a.partner.name,
                        what(&a),
                        Status::as_str(d.status),
                        d.decided_by.name
                    )));
                }
                fx.extend(self.invalidate_histories());
            }
            ServerEvent::ApprovalCreated(c) => {
                let section = pending_section(c.kind);
                if self.section(section).load == Load::Loaded {
                    fx.extend(self.reload(section));
                }
            }
            ServerEvent::PartnerUpdated(_) => (),
        }
        fx
    }
}
