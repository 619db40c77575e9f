//! The History tab's chart: approvals and rejections per day over the range shown, asked of the
//! server with the list's own filters (dates, kind, decision, search).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::client::ApiError;
use crate::domain::ApprovalStats;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::queue::filter::ListQuery;
use crate::tui::queue::tabs::{SectionId, TabId};
use crate::tui::view::theme::Theme;

impl App {
    /// The chart's numbers for the History tab, with its filters.
    pub(in crate::tui) fn stats_effect(&mut self) -> Vec<Effect> {
        if self.tab != TabId::History {
            // Asked for again when the tab is shown.
            self.history.stats = None;
            return vec![];
        }
        let id = SectionId::AllHistory;
        let ListQuery::Approvals(mut query) = self.section(id).filter.query(id, None, 1) else {
            return vec![];
        };
        query.cursor = None;
        query.limit = None;
        self.history.stats_request = self.next_id();
        vec![Effect::LoadStats {
            request: self.history.stats_request,
            query,
        }]
    }

    pub(in crate::tui) fn on_stats(
        &mut self,
        request: u64,
        result: Result<ApprovalStats, ApiError>,
    ) -> Vec<Effect> {
        if request == self.history.stats_request {
            self.history.stats = Some(result.map_err(|e| e.user_message()));
        }
        vec![]
    }
}

/// Approvals and rejections per day, as two sparklines over the range shown.
pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let range = match (
        app.section(SectionId::AllHistory).filter.from,
        app.section(SectionId::AllHistory).filter.to,
    ) {
        (None, None) => "last 30 days".to_string(),
        (f, t) => format!(
            "{} – {}",
            f.map(|d| d.to_string()).unwrap_or_else(|| "…".into()),
            t.map(|d| d.to_string()).unwrap_or_else(|| "today".into())
        ),
    };
    let title = match &app.history.stats {
        Some(Ok(s)) => format!(
            " Decisions per day · {range} · {} approved · {} rejected ",
            crate::format::group(s.approved),
            crate::format::group(s.rejected)
        ),
        _ => format!(" Decisions per day · {range} "),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let stats = match &app.history.stats {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            frame.render_widget(
                Paragraph::new(format!("No chart: {e}")).style(theme.dim()),
                inner,
            );
            return;
        }
        None => {
            frame.render_widget(Paragraph::new("Loading…").style(theme.dim()), inner);
            return;
        }
    };
    const LABEL: u16 = 10;
    let width = inner.width.saturating_sub(LABEL) as usize;
    // The most recent days that fit.
    let days = &stats.days[stats.days.len().saturating_sub(width)..];
    // Wider bars when there is room: each day takes up to three columns.
    let k = (width / days.len().max(1)).clamp(1, 3);
    let span = days.len() * k;
    let max = days
        .iter()
        .map(|d| d.approved.max(d.rejected))
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = [
        (
            "approved",
            theme.live(),
            days.iter()
                .flat_map(|d| std::iter::repeat_n(d.approved, k))
                .collect::<Vec<_>>(),
        ),
        (
            "rejected",
            theme.error(),
            days.iter()
                .flat_map(|d| std::iter::repeat_n(d.rejected, k))
                .collect::<Vec<_>>(),
        ),
    ];
    for (i, (label, style, data)) in rows.into_iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        frame.render_widget(Paragraph::new(label), Rect::new(inner.x, y, LABEL, 1));
        let spark = ratatui::widgets::Sparkline::default()
            .data(&data)
            .max(max)
            .style(if theme.color {
                style
            } else {
                ratatui::style::Style::new()
            });
        frame.render_widget(
            spark,
            Rect::new(inner.x + LABEL, y, span.min(width) as u16, 1),
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last())
        && inner.height >= 3
    {
        let w = span.max(first.day.len() + last.day.len() + 1).min(width);
        let axis = if w > first.day.len() + last.day.len() {
            format!("{:<pad$}{}", first.day, last.day, pad = w - last.day.len())
        } else {
            first.day.clone()
        };
        frame.render_widget(
            Paragraph::new(axis).style(theme.dim()),
            Rect::new(inner.x + LABEL, inner.y + 2, width as u16, 1),
        );
    }
}
