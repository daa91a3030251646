//! When a checkpoint is due, and which checkpoint the index then names as the best.

use super::CheckpointConfig;

/// Which checkpoint the index names as the best after a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BestCheckpoint {
    /// The one being saved.
    This,
    /// The one the index named before (an earlier save of this run).
    Earlier,
    /// None: a fresh run's first save, so a best left in the folder by another run is dropped.
    None,
}

/// Says after each epoch whether a checkpoint is due: every `every` epochs, after the last
/// epoch, when training ends early, and (with `keep_best`) whenever the monitored score improved.
#[derive(Debug, Clone)]
pub(crate) struct CheckpointPolicy {
    every: usize,
    keep_best: bool,
    last_epoch: usize,
    /// What a save that is not the best names as the best: `None` until this run's first save
    /// (a resumed run's index names its own best).
    earlier_best: BestCheckpoint,
}

impl CheckpointPolicy {
    /// The policy of `config` for a run of `last_epoch` epochs; `resumed` when it continues a
    /// checkpoint.
    pub(crate) fn new(config: &CheckpointConfig, last_epoch: usize, resumed: bool) -> Self {
        Self {
            every: config.every,
            keep_best: config.keep_best,
            last_epoch,
            earlier_best: if resumed {
                BestCheckpoint::Earlier
            } else {
                BestCheckpoint::None
            },
        }
    }

    /// After `epoch` (whose score `improved` or not; `ending` when training stops after it):
    /// `Some` with the best the index should name when a save is due, `None` otherwise.
    pub(crate) fn after_epoch(
        &mut self,
        epoch: usize,
        improved: bool,
        ending: bool,
    ) -> Option<BestCheckpoint> {
        let best = self.keep_best && improved;
        let due = epoch.is_multiple_of(self.every) || epoch == self.last_epoch || ending;
        if !(due || best) {
            return None;
        }
        let named = if best {
            BestCheckpoint::This
        } else {
            self.earlier_best
        };
        self.earlier_best = BestCheckpoint::Earlier;
        Some(named)
    }

    /// The best an interrupted epoch's save names: the earlier one (an unfinished epoch has no
    /// score).
    pub(crate) fn mid_epoch(&self) -> BestCheckpoint {
        self.earlier_best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(every: usize, keep_best: bool, resumed: bool) -> CheckpointPolicy {
        let config = CheckpointConfig::new("unused".into())
            .with_every(every)
            .with_keep_best(keep_best);
        CheckpointPolicy::new(&config, 10, resumed)
    }

    #[test]
    fn saves_every_few_epochs_and_after_the_last() {
        let mut policy = policy(4, false, false);
        let due: Vec<usize> = (1..=10)
            .filter(|&epoch| policy.after_epoch(epoch, true, false).is_some())
            .collect();
        assert_eq!(due, [4, 8, 10]);
    }

    #[test]
    fn a_fresh_run_drops_an_earlier_best_and_keeps_its_own() {
        let mut policy = policy(1, false, false);
        assert_eq!(policy.mid_epoch(), BestCheckpoint::None);
        assert_eq!(
            policy.after_epoch(1, true, false),
            Some(BestCheckpoint::None)
        );
        assert_eq!(
            policy.after_epoch(2, true, false),
            Some(BestCheckpoint::Earlier)
        );
        assert_eq!(policy.mid_epoch(), BestCheckpoint::Earlier);
        let mut resumed = self::policy(1, false, true);
        assert_eq!(
            resumed.after_epoch(3, false, false),
            Some(BestCheckpoint::Earlier)
        );
    }

    #[test]
    fn keep_best_saves_an_improvement_between_intervals() {
        let mut policy = policy(5, true, false);
        assert_eq!(
            policy.after_epoch(1, true, false),
            Some(BestCheckpoint::This)
        );
        assert_eq!(policy.after_epoch(2, false, false), None);
        assert_eq!(
            policy.after_epoch(3, false, true),
            Some(BestCheckpoint::Earlier)
        );
        assert_eq!(
            policy.after_epoch(5, false, false),
            Some(BestCheckpoint::Earlier)
        );
    }
}
