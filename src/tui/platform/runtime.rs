//! Performs the app's effects and answers with messages: the one interpreter of [`Effect`],
//! quitting and the terminal's own effects included. Requests run on tokio tasks; a request that
//! a newer one supersedes (a page load of the same section, the finder's search, the chart, the
//! partner detail) is aborted, not only ignored when it answers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::client::{Api, ApiResult};
use crate::domain::{ApproveBody, Page, PartnerQuery, PartnerSummary};
use crate::secret::Secret;
use crate::tui::app::effect::{Effect, Verdict};
use crate::tui::app::msg::Msg;
use crate::tui::queue::filter::ListQuery;
use crate::tui::queue::tabs::{Row, SectionId};

/// What the runtime needs of the terminal it runs in.
pub trait Console {
    /// Put `text` on the clipboard (OSC 52, written with the next frame).
    fn copy(&mut self, text: &str);
    /// Give the terminal back until `fg` (Ctrl-Z), then take it again.
    fn suspend(&mut self) -> std::io::Result<()>;
    /// Hand the terminal to the user's editor on `text`; the text as saved, or why not.
    fn edit(&mut self, text: &str) -> Result<String, String>;
}

/// After an effect: go on, or leave the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Requests that a newer one of the same kind supersedes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Supersedes {
    Page(SectionId),
    Finder,
    Stats,
    Partner,
    Members,
    Vouchers,
    Batches,
}

pub struct Runtime {
    api: Arc<dyn Api>,
    tx: UnboundedSender<Msg>,
    in_flight: HashMap<Supersedes, AbortHandle>,
    /// The terminal hung up: leaving must not wait long on the backend.
    hangup: bool,
}

impl Runtime {
    pub fn new(api: Arc<dyn Api>, tx: UnboundedSender<Msg>) -> Runtime {
        Runtime {
            api,
            tx,
            in_flight: HashMap::new(),
            hangup: false,
        }
    }

    /// The terminal is gone: a quit that follows waits only briefly.
    pub fn hung_up(&mut self) {
        self.hangup = true;
    }

    /// Run `effect`. Requests start on tasks and return at once; only quitting waits (briefly)
    /// for the backend, to end an impersonation.
    pub async fn run(&mut self, effect: Effect, console: &mut dyn Console) -> Flow {
        let (api, tx) = (self.api.clone(), self.tx.clone());
        match effect {
            Effect::Copy { text } => console.copy(&text),
            Effect::Suspend => {
                if let Err(e) = console.suspend() {
                    tracing::warn!("suspend failed: {e}");
                }
            }
            Effect::Quit { impersonation } => {
                if let Some(id) = impersonation {
                    self.end_impersonation_on_quit(&id).await;
                }
                return Flow::Quit;
            }
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
            } => self.spawn_latest(Supersedes::Page(section), async move {
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
            }),
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
                            Verdict::ApproveWithComment { comment } => {
                                let body = ApproveBody {
                                    comment: Some(comment.clone()),
                                };
                                api.approve(&id, &key, &body).await
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
            Effect::LoadPartner { id } => self.spawn_latest(Supersedes::Partner, async move {
                let result = api.partner(&id).await;
                let _ = tx.send(Msg::Partner { id, result });
            }),
            Effect::SavePartner { id, version, patch } => {
                tokio::spawn(async move {
                    let result = api.update_partner(&id, version, &patch).await;
                    let _ = tx.send(Msg::PartnerSaved { id, result });
                });
            }
            Effect::LoadNodes {
                request,
                parent,
                slot,
                query,
            } => {
                tokio::spawn(async move {
                    let result = api.nodes(&query).await;
                    let cursor = query.cursor;
                    let msg = Msg::Nodes {
                        request,
                        parent,
                        slot,
                        cursor,
                        result,
                    };
                    let _ = tx.send(msg);
                });
            }
            Effect::LoadNode { level, id } => {
                tokio::spawn(async move {
                    let result = api.node(level, &id).await;
                    let _ = tx.send(Msg::Node { level, id, result });
                });
            }
            Effect::WriteNode(write) => {
                tokio::spawn(async move {
                    let result = crate::tui::hierarchy::written::send(&*api, &write).await;
                    let _ = tx.send(Msg::NodeWritten { write, result });
                });
            }
            Effect::LoadTiers { partner_id } => {
                tokio::spawn(async move {
                    let result = crate::tui::record::tiers::load(&*api, &partner_id).await;
                    let _ = tx.send(Msg::Tiers { partner_id, result });
                });
            }
            Effect::LoadLeadSettings { partner_id } => {
                tokio::spawn(async move {
                    let result = api.lead_settings(&partner_id).await;
                    let _ = tx.send(Msg::LeadSettings { partner_id, result });
                });
            }
            Effect::SaveLeadSettings {
                partner_id,
                version,
                patch,
            } => {
                tokio::spawn(async move {
                    let result = api.update_lead_settings(&partner_id, version, &patch).await;
                    let _ = tx.send(Msg::LeadSaved { partner_id, result });
                });
            }
            Effect::PreviewLeadBody {
                partner_id,
                preview,
            } => {
                tokio::spawn(async move {
                    let result = api.preview_lead_body(&partner_id, &preview).await;
                    let _ = tx.send(Msg::LeadPreview { result });
                });
            }
            Effect::PortalInvite { partner_id, key } => {
                tokio::spawn(async move {
                    let result = api.portal_invite(&partner_id, &key).await;
                    let _ = tx.send(Msg::PortalInvited { result });
                });
            }
            Effect::LoadPartnerRequests { token } => {
                tokio::spawn(async move {
                    let partner = api.with_partner_token(Secret::new(token));
                    let result = partner.partner_requests(None).await.map(|p| p.items);
                    let _ = tx.send(Msg::PartnerRequests(result));
                });
            }
            Effect::SubmitRequest {
                token,
                key,
                request,
            } => {
                tokio::spawn(async move {
                    let partner = api.with_partner_token(Secret::new(token));
                    let result = partner.submit_request(&key, &request).await;
                    let _ = tx.send(Msg::RequestSubmitted(result));
                });
            }
            Effect::SendPresence { approval_id } => {
                // Said and forgotten: a lost word is said again at the next settle or stream.
                tokio::spawn(async move {
                    if let Err(e) = api.presence(approval_id.as_deref()).await {
                        tracing::info!("presence not said: {e}");
                    }
                });
            }
            Effect::WritePeriod(write) => {
                tokio::spawn(async move {
                    let result = crate::tui::record::tier_writes::send(&*api, &write).await;
                    let _ = tx.send(Msg::PeriodWritten { write, result });
                });
            }
            Effect::ExtendPeriods { batch, writes } => {
                tokio::spawn(async move {
                    for write in writes {
                        let id = match &write {
                            crate::tui::record::tiers::PeriodWrite::Update { id, .. } => id.clone(),
                            _ => continue,
                        };
                        let result = crate::tui::record::tier_writes::send(&*api, &write)
                            .await
                            .map(drop);
                        let _ = tx.send(Msg::Extended { batch, id, result });
                    }
                });
            }
            Effect::LoadAdmins { node } => {
                tokio::spawn(async move {
                    let result = api.admins(node.0, &node.1).await.map(|p| p.items);
                    let _ = tx.send(Msg::Admins { node, result });
                });
            }
            Effect::LoadMembers { partner_id } => {
                self.spawn_latest(Supersedes::Members, async move {
                    let result = api
                        .members(&partner_id, None, Some(500))
                        .await
                        .map(|p| p.items);
                    let _ = tx.send(Msg::Members { partner_id, result });
                })
            }
            Effect::LoadVouchers { partner_id } => {
                self.spawn_latest(Supersedes::Vouchers, async move {
                    let query = crate::domain::VoucherBatchQuery {
                        partner_id: Some(partner_id.clone()),
                        limit: Some(500),
                        ..Default::default()
                    };
                    let result = api.voucher_batches(&query).await.map(|p| p.items);
                    let _ = tx.send(Msg::Vouchers { partner_id, result });
                })
            }
            Effect::FindBatches { query, generation } => {
                self.spawn_latest(Supersedes::Batches, async move {
                    let result = api.voucher_batches(&query).await.map(|p| p.items);
                    let _ = tx.send(Msg::Batches { generation, result });
                })
            }
            Effect::ChangeBatch {
                partner_id,
                batch_id,
                assign,
            } => {
                tokio::spawn(async move {
                    let result = if assign {
                        api.assign_voucher_batch(&partner_id, &batch_id)
                            .await
                            .map(|_| ())
                    } else {
                        api.unassign_voucher_batch(&partner_id, &batch_id).await
                    };
                    let _ = tx.send(Msg::BatchChanged {
                        partner_id,
                        batch: batch_id,
                        assign,
                        result,
                    });
                });
            }
            Effect::EditText { text } => {
                let _ = tx.send(Msg::Edited(console.edit(&text)));
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
                self.spawn_latest(Supersedes::Finder, async move {
                    let _ = tx.send(Msg::Found {
                        generation,
                        result: find_partners(api.as_ref(), &q).await,
                    });
                })
            }
            Effect::LoadStats { request, query } => {
                self.spawn_latest(Supersedes::Stats, async move {
                    let result = api.approval_stats(&query).await;
                    let _ = tx.send(Msg::Stats { request, result });
                })
            }
        }
        Flow::Continue
    }

    /// Start `task`, aborting the one of the same kind still running.
    fn spawn_latest(&mut self, kind: Supersedes, task: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(task).abort_handle();
        if let Some(older) = self.in_flight.insert(kind, handle) {
            older.abort();
        }
    }

    /// Quitting while impersonating ends the session on the backend too, briefly: a dead
    /// backend must not hold the exit (the token expires by itself at the latest).
    async fn end_impersonation_on_quit(&self, id: &str) {
        let wait = if self.hangup {
            Duration::from_millis(700)
        } else {
            Duration::from_secs(3)
        };
        match tokio::time::timeout(wait, self.api.end_impersonation(id)).await {
            Ok(Ok(())) => tracing::info!("impersonation {id} ended on quit"),
            Ok(Err(e)) => tracing::warn!("could not end impersonation on quit: {e}"),
            Err(_) => tracing::warn!("ending impersonation on quit timed out"),
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
        ListQuery::Partners(q) => Ok(api.partners(&q).await?.map(Row::Partner)),
        ListQuery::Expiring(q) => Ok(api.expiring(&q).await?.map(|p| Row::Period(Box::new(p)))),
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

#[cfg(test)]
mod tests {
    //! The runtime's own logic against the scripted fake: no server, no terminal.

    use std::time::Duration;

    use tokio::sync::mpsc;

    use super::*;
    use crate::client::scripted::{Call, Phase, ScriptedApi};
    use crate::domain::{PartnerStatus, PartnerSummary};
    use crate::tui::queue::section::Slot;

    #[derive(Default)]
    struct FakeConsole {
        copied: Vec<String>,
        suspended: usize,
    }

    impl Console for FakeConsole {
        fn copy(&mut self, text: &str) {
            self.copied.push(text.to_string());
        }

        fn suspend(&mut self) -> std::io::Result<()> {
            self.suspended += 1;
            Ok(())
        }

        fn edit(&mut self, text: &str) -> Result<String, String> {
            Ok(format!("{text} (edited)"))
        }
    }

    fn runtime(api: &ScriptedApi) -> (Runtime, mpsc::UnboundedReceiver<Msg>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Runtime::new(Arc::new(api.clone()), tx), rx)
    }

    fn partner(name: &str) -> PartnerSummary {
        PartnerSummary {
            id: format!("pt_{name}"),
            name: name.into(),
            status: PartnerStatus::Active,
            package: None,
            invoice_id: "INV-1".into(),
            contact_name: Default::default(),
            email: Default::default(),
            distributor: None,
            standing: Default::default(),
            tenant_count: 0,
            version: 0,
        }
    }

    fn page(items: Vec<PartnerSummary>) -> Page<PartnerSummary> {
        Page {
            items,
            next_cursor: None,
        }
    }

    async fn next(rx: &mut mpsc::UnboundedReceiver<Msg>) -> Msg {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an answer within 5 s")
            .expect("the channel is open")
    }

    #[tokio::test]
    async fn the_finder_falls_back_to_the_first_letter_when_nothing_contains_the_fragment() {
        let api = ScriptedApi::new();
        api.partners
            .answer(Ok(page(vec![])))
            .answer(Ok(page(vec![partner("Blue Harbor Radio")])));
        let (mut rt, mut rx) = runtime(&api);
        let fx = Effect::FindPartners {
            q: "bhr".into(),
            generation: 7,
        };
        assert_eq!(
            rt.run(fx, &mut FakeConsole::default()).await,
            Flow::Continue
        );
        match next(&mut rx).await {
            Msg::Found {
                generation: 7,
                result: Ok(found),
            } => assert_eq!(found, [partner("Blue Harbor Radio")]),
            other => panic!("{other:?}"),
        }
        let asked: Vec<_> = api
            .partners
            .calls()
            .into_iter()
            .map(|q| (q.q, q.limit))
            .collect();
        assert_eq!(
            asked,
            [
                (Some("bhr".to_string()), Some(100)),
                (Some("b".to_string()), Some(500))
            ]
        );
    }

    #[tokio::test]
    async fn a_newer_page_load_of_the_same_section_aborts_the_older_one() {
        let api = ScriptedApi::new();
        let first = api.partners.answer_gated(Ok(page(vec![partner("Old")])));
        api.partners.answer(Ok(page(vec![partner("New")])));
        let (mut rt, mut rx) = runtime(&api);
        let load = |request| Effect::LoadPage {
            section: SectionId::Partners,
            request,
            slot: Slot::Reset,
            query: ListQuery::Partners(PartnerQuery::default()),
        };
        let console = &mut FakeConsole::default();
        rt.run(load(1), console).await;
        tokio::time::timeout(Duration::from_secs(5), first.reached())
            .await
            .expect("the first request is in flight");
        rt.run(load(2), console).await;
        let phase = tokio::time::timeout(Duration::from_secs(5), first.settled())
            .await
            .expect("settled");
        assert_eq!(phase, Phase::Dropped, "the superseded request was aborted");
        match next(&mut rx).await {
            Msg::Page { request: 2, .. } => {}
            other => panic!("only the newer page answers: {other:?}"),
        }
    }

    #[tokio::test]
    async fn loads_of_different_sections_do_not_abort_each_other() {
        let api = ScriptedApi::new();
        let partners = api.partners.answer_gated(Ok(page(vec![])));
        api.approvals.answer(Ok(Page {
            items: vec![],
            next_cursor: None,
        }));
        let (mut rt, mut rx) = runtime(&api);
        let console = &mut FakeConsole::default();
        rt.run(
            Effect::LoadPage {
                section: SectionId::Partners,
                request: 1,
                slot: Slot::Reset,
                query: ListQuery::Partners(PartnerQuery::default()),
            },
            console,
        )
        .await;
        rt.run(
            Effect::LoadPage {
                section: SectionId::AllHistory,
                request: 2,
                slot: Slot::Reset,
                query: ListQuery::Approvals(Default::default()),
            },
            console,
        )
        .await;
        assert!(matches!(next(&mut rx).await, Msg::Page { request: 2, .. }));
        partners.release();
        assert!(matches!(next(&mut rx).await, Msg::Page { request: 1, .. }));
    }

    #[tokio::test]
    async fn quitting_ends_the_impersonation_first_and_copy_and_suspend_reach_the_terminal() {
        let api = ScriptedApi::new();
        api.end_impersonation.answer(Ok(()));
        let (mut rt, _rx) = runtime(&api);
        let mut console = FakeConsole::default();
        rt.run(
            Effect::Copy {
                text: "ops@acme.test".into(),
            },
            &mut console,
        )
        .await;
        rt.run(Effect::Suspend, &mut console).await;
        assert_eq!(console.copied, ["ops@acme.test"]);
        assert_eq!(console.suspended, 1);
        let flow = rt
            .run(
                Effect::Quit {
                    impersonation: Some("im_1".into()),
                },
                &mut console,
            )
            .await;
        assert_eq!(flow, Flow::Quit);
        assert_eq!(api.calls(), [Call::EndImpersonation("im_1".into())]);
    }

    #[tokio::test]
    async fn a_dead_backend_holds_the_exit_for_at_most_a_moment_after_a_hangup() {
        let api = ScriptedApi::new();
        let gate = api.end_impersonation.answer_gated(Ok(()));
        let (mut rt, _rx) = runtime(&api);
        rt.hung_up();
        let started = std::time::Instant::now();
        let flow = rt
            .run(
                Effect::Quit {
                    impersonation: Some("im_1".into()),
                },
                &mut FakeConsole::default(),
            )
            .await;
        assert_eq!(flow, Flow::Quit);
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(700) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
        assert_eq!(gate.phase(), Phase::Dropped);
    }

    #[tokio::test]
    async fn an_approval_with_a_comment_carries_it_to_the_api() {
        let api = ScriptedApi::new();
        api.approve
            .answer(Err(crate::client::scripted::not_scripted("approve")));
        let (mut rt, mut rx) = runtime(&api);
        let key = crate::client::DecisionKey {
            idempotency_key: "k1".into(),
            version: 3,
        };
        rt.run(
            Effect::Decide {
                batch: 1,
                verdict: Verdict::ApproveWithComment {
                    comment: "Checked by phone".into(),
                },
                items: vec![("ap_1".into(), key.clone())],
            },
            &mut FakeConsole::default(),
        )
        .await;
        assert!(matches!(next(&mut rx).await, Msg::Decided { batch: 1, .. }));
        assert_eq!(
            api.calls(),
            [Call::Approve {
                id: "ap_1".into(),
                key,
                body: ApproveBody {
                    comment: Some("Checked by phone".into())
                },
            }]
        );
    }
}
