//! Performs the app's effects on tokio tasks and answers with messages. The only place the
//! console touches the network.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::client::{Api, ApiResult};
use crate::domain::{ApproveBody, Page, PartnerQuery, PartnerSummary};
use crate::secret::Secret;
use crate::tui::app::effect::{Effect, Verdict};
use crate::tui::app::msg::Msg;
use crate::tui::queue::filter::ListQuery;
use crate::tui::queue::tabs::Row;

#[derive(Clone)]
pub struct Runtime {
    api: Arc<dyn Api>,
    tx: UnboundedSender<Msg>,
}

impl Runtime {
    pub fn new(api: Arc<dyn Api>, tx: UnboundedSender<Msg>) -> Runtime {
        Runtime { api, tx }
    }

    /// Start `effect`; the terminal effects (suspend, quit) belong to the event loop and are
    /// not expected here.
    pub fn spawn(&self, effect: Effect) {
        let (api, tx) = (self.api.clone(), self.tx.clone());
        match effect {
            Effect::LoadMe => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::Me(api.me().await));
                });
            }
            Effect::LoadSummary => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::Summary(api.summary().await));
                });
            }
            Effect::LoadPage {
                section,
                request,
                slot,
                query,
            } => {
                tokio::spawn(async move {
                    let cursor = query.cursor();
                    let result = load_page(api.as_ref(), query).await;
                    let _ = tx.send(Msg::Page {
                        section,
                        request,
                        slot,
                        cursor,
                        result,
                    });
                    give_back_freed_memory();
                });
            }
            Effect::Decide {
                batch,
                verdict,
                items,
            } => {
                tokio::spawn(async move {
                    for (id, key) in items {
                        let result = match &verdict {
                            Verdict::Approve => {
                                api.approve(&id, &key, &ApproveBody::default()).await
                            }
                            Verdict::Reject { reason } => api.reject(&id, &key, reason).await,
                        };
                        if tx.send(Msg::Decided { batch, id, result }).is_err() {
                            break;
                        }
                    }
                });
            }
            Effect::Export { query, dir, cancel } => {
                tokio::spawn(async move {
                    let progress_tx = tx.clone();
                    let result = crate::export::export_history_to_dir(
                        api.as_ref(),
                        query,
                        crate::export::Format::Csv,
                        &dir,
                        |rows| {
                            let _ = progress_tx.send(Msg::ExportProgress(rows));
                        },
                        &cancel,
                    )
                    .await
                    .map(|f| (f.path, f.rows))
                    .map_err(|e| e.user_message());
                    let _ = tx.send(Msg::ExportDone(result));
                });
            }
            Effect::After { delay, msg } => {
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(msg);
                });
            }
            Effect::LoadPartner { id } => {
                tokio::spawn(async move {
                    let result = api.partner(&id).await;
                    let _ = tx.send(Msg::Partner { id, result });
                });
            }
            Effect::Impersonate { partner_id, reason } => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::Impersonated(
                        api.impersonate(&partner_id, &reason).await,
                    ));
                });
            }
            Effect::LoadPartnerView { token } => {
                tokio::spawn(async move {
                    let partner = api.with_partner_token(Secret::new(token));
                    let result = async {
                        let me = partner.partner_me().await?;
                        let channels = partner.partner_channels(None).await?.items;
                        let engagements = partner.partner_engagements(None).await?.items;
                        Ok((me, channels, engagements))
                    }
                    .await;
                    let _ = tx.send(Msg::PartnerView(result));
                });
            }
            Effect::EndImpersonation { id } => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::ImpersonationEnded(api.end_impersonation(&id).await));
                });
            }
            Effect::FindPartners { q, generation } => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::Found {
                        generation,
                        result: find_partners(api.as_ref(), &q).await,
                    });
                });
            }
            Effect::LoadStats { request, query } => {
                tokio::spawn(async move {
                    let result = api.approval_stats(&query).await;
                    let _ = tx.send(Msg::Stats { request, result });
                });
            }
            Effect::Copy { .. } | Effect::Suspend | Effect::Quit => {
                tracing::warn!("terminal effect reached the runtime; ignored");
            }
        }
    }
}

async fn load_page(api: &dyn Api, query: ListQuery) -> ApiResult<Page<Row>> {
    match query {
        ListQuery::Approvals(q) => {
            let page = api.approvals(&q).await?;
            Ok(Page {
                items: page
                    .items
                    .into_iter()
                    .map(|a| Row::Approval(Box::new(a)))
                    .collect(),
                next_cursor: page.next_cursor,
            })
        }
        ListQuery::Partners(q) => {
            let page = api.partners(&q).await?;
            Ok(Page {
                items: page.items.into_iter().map(Row::Partner).collect(),
                next_cursor: page.next_cursor,
            })
        }
    }
}

/// Partners whose name contains `q`; when none do (a fuzzy fragment like "bhr"), those
/// containing its first letter, for the finder to rank.
async fn find_partners(api: &dyn Api, q: &str) -> ApiResult<Vec<PartnerSummary>> {
    let query = |q: String, limit| PartnerQuery {
        q: Some(q),
        limit: Some(limit),
        ..Default::default()
    };
    let found = api.partners(&query(q.to_string(), 100)).await?.items;
    if !found.is_empty() {
        return Ok(found);
    }
    match q.chars().next() {
        Some(first) => Ok(api.partners(&query(first.to_string(), 500)).await?.items),
        None => Ok(Vec::new()),
    }
}

/// A page's response and its decoding leave freed memory behind; scrolling a long history would
/// otherwise grow the console's resident size page by page (`cargo bench --bench
/// history_scroll`). Returning it to the system after each page keeps the size flat.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
