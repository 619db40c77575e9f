//! Performs the app's effects on tokio tasks and answers with messages. The only place the
//! console touches the network.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::app::PAGE_SIZE;
use super::effect::{Effect, Verdict};
use super::msg::Msg;
use super::tabs::{Row, SectionId, Source};
use crate::client::{Api, ApiResult};
use crate::domain::{ApprovalQuery, ApproveBody, Page, PartnerQuery};

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
                cursor,
            } => {
                tokio::spawn(async move {
                    let append = cursor.is_some();
                    let result = load_page(api.as_ref(), section, cursor).await;
                    let _ = tx.send(Msg::Page {
                        section,
                        request,
                        append,
                        result,
                    });
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
            Effect::After { delay, msg } => {
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(msg);
                });
            }
            Effect::Suspend | Effect::Quit => {
                tracing::warn!("terminal effect reached the runtime; ignored");
            }
        }
    }
}

async fn load_page(
    api: &dyn Api,
    section: SectionId,
    cursor: Option<String>,
) -> ApiResult<Page<Row>> {
    match section.source() {
        Source::Approvals { kinds, status } => {
            let q = ApprovalQuery {
                kinds: kinds.to_vec(),
                status: Some(status),
                cursor,
                limit: Some(PAGE_SIZE),
                ..Default::default()
            };
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
        Source::Partners => {
            let q = PartnerQuery {
                cursor,
                limit: Some(PAGE_SIZE),
                ..Default::default()
            };
            let page = api.partners(&q).await?;
            Ok(Page {
                items: page.items.into_iter().map(Row::Partner).collect(),
                next_cursor: page.next_cursor,
            })
        }
    }
}
