//! One method's script: the answers queued for it, the closure that answers the rest, the
//! calls it received, and the gate an answer can be held at.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use super::{Call, Scripts, not_scripted};
use crate::client::ApiResult;

type Answerer<A, T> = Box<dyn FnMut(&A) -> ApiResult<T> + Send>;

/// What one method answers. `A` is the call's arguments (a tuple when there are several).
pub struct Script<A, T> {
    method: &'static str,
    state: Mutex<ScriptState<A, T>>,
}

struct ScriptState<A, T> {
    queue: VecDeque<(ApiResult<T>, Option<Gate>)>,
    answerer: Option<Answerer<A, T>>,
    calls: Vec<A>,
}

impl<A: Clone, T> Script<A, T> {
    pub(super) fn new(method: &'static str) -> Self {
        Script {
            method,
            state: Mutex::new(ScriptState {
                queue: VecDeque::new(),
                answerer: None,
                calls: Vec::new(),
            }),
        }
    }

    /// Queue `result` as the answer to the next call not yet answered.
    pub fn answer(&self, result: ApiResult<T>) -> &Self {
        lock(&self.state).queue.push_back((result, None));
        self
    }

    /// Queue `result` like [`answer`](Self::answer), but the call that takes it waits at the
    /// returned gate until the test releases it.
    pub fn answer_gated(&self, result: ApiResult<T>) -> Gate {
        let gate = Gate::new();
        lock(&self.state)
            .queue
            .push_back((result, Some(gate.clone())));
        gate
    }

    /// Answer every call the queue does not (the queue is used up first) by `f` of its
    /// arguments. A later closure replaces an earlier one.
    pub fn answer_with(&self, f: impl FnMut(&A) -> ApiResult<T> + Send + 'static) -> &Self {
        lock(&self.state).answerer = Some(Box::new(f));
        self
    }

    /// The arguments of every call of this method so far, in order.
    pub fn calls(&self) -> Vec<A> {
        lock(&self.state).calls.clone()
    }

    /// Record the call, then answer it.
    pub(super) async fn run(
        &self,
        scripts: &Scripts,
        args: A,
        call: impl FnOnce(A) -> Call,
    ) -> ApiResult<T> {
        scripts.record(call(args.clone()));
        let (result, gate) = {
            let mut state = lock(&self.state);
            state.calls.push(args.clone());
            match state.queue.pop_front() {
                Some(step) => step,
                None => match state.answerer.as_mut() {
                    Some(f) => (f(&args), None),
                    None => (Err(not_scripted(self.method)), None),
                },
            }
        };
        if let Some(gate) = gate {
            gate.pass().await;
        }
        result
    }
}

/// What became of the call that took a gated answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No call has taken the answer yet.
    Unused,
    /// A call took it and waits for the gate to open.
    Waiting,
    /// The gate opened and the call got its answer.
    Answered,
    /// The call's future was dropped while it waited: its caller aborted it or gave up.
    Dropped,
}

/// Holds one scripted answer back until [`release`](Gate::release), and records what became of
/// the call waiting for it. Clones are the same gate.
#[derive(Debug, Clone)]
pub struct Gate(Arc<GateState>);

#[derive(Debug)]
struct GateState {
    open: watch::Sender<bool>,
    phase: watch::Sender<Phase>,
}

impl Gate {
    fn new() -> Self {
        Gate(Arc::new(GateState {
            open: watch::Sender::new(false),
            phase: watch::Sender::new(Phase::Unused),
        }))
    }

    /// Let the call through (now, or as soon as it comes).
    pub fn release(&self) {
        self.0.open.send_replace(true);
    }

    pub fn phase(&self) -> Phase {
        *self.0.phase.borrow()
    }

    /// Wait until a call has taken the answer: the request is in flight.
    pub async fn reached(&self) {
        self.wait_for(|p| p != Phase::Unused).await;
    }

    /// Wait until the call has its answer or was dropped, and say which. Wrap it in a timeout:
    /// a call that never comes, or is never released, waits forever.
    pub async fn settled(&self) -> Phase {
        self.wait_for(|p| matches!(p, Phase::Answered | Phase::Dropped))
            .await
    }

    async fn wait_for(&self, done: impl Fn(Phase) -> bool) -> Phase {
        let mut phase = self.0.phase.subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let seen = phase.wait_for(|p| done(*p)).await.map(|p| *p);
        seen.unwrap_or_else(|_| self.phase())
    }

    /// Wait here until released; `Dropped` if the future is dropped first.
    async fn pass(&self) {
        struct Waiting<'a>(&'a GateState);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.phase.send_replace(Phase::Dropped);
            }
        }
        self.0.phase.send_replace(Phase::Waiting);
        let waiting = Waiting(&self.0);
        let mut open = self.0.open.subscribe();
        let _ = open.wait_for(|open| *open).await;
        std::mem::forget(waiting);
        self.0.phase.send_replace(Phase::Answered);
    }
}

/// A poisoned lock (a test's closure panicked) still holds usable data.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
