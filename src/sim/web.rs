//! Web calls (browser calls with no phone numbers), mixed into the stream so readers
//! exercise skipping them.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::fill::fill_web;
use super::number::NEVER;
use super::object::CallObject;
use super::plan::{Ctx, DAY_MS, HOUR_MS, stream_seed};

/// Web calls (no numbers) sprinkled over the day, a fraction of a percent of all calls.
pub(crate) struct WebGen {
    rng: SmallRng,
    extra: SmallRng,
    mean_gap: f64,
    t: i64,
    day: i64,
}

impl WebGen {
    const OPEN: i64 = 13 * HOUR_MS;
    const LEN: i64 = 10 * HOUR_MS;

    pub fn new(ctx: &Ctx, seed: u64, per_day: f64) -> WebGen {
        let mut g = WebGen {
            rng: SmallRng::seed_from_u64(stream_seed(seed, 0x3EB)),
            extra: SmallRng::seed_from_u64(stream_seed(seed, 0x3EC)),
            mean_gap: Self::LEN as f64 / per_day.max(0.5),
            t: NEVER,
            day: 0,
        };
        g.t = ctx.window_start + Self::OPEN;
        g.advance(ctx);
        g
    }

    fn advance(&mut self, ctx: &Ctx) {
        loop {
            let u = 1.0 - self.rng.random::<f64>();
            self.t += (-u.ln() * self.mean_gap) as i64 + 1;
            let close = ctx.window_start + self.day * DAY_MS + Self::OPEN + Self::LEN;
            if self.t < close {
                return;
            }
            self.day += 1;
            if self.day >= ctx.days {
                self.t = NEVER;
                return;
            }
            self.t = ctx.window_start + self.day * DAY_MS + Self::OPEN;
        }
    }

    pub fn next_at(&self) -> i64 {
        self.t
    }

    pub fn emit(&mut self, ctx: &Ctx, obj: &mut CallObject) -> i64 {
        fill_web(obj, &mut self.rng, &mut self.extra, ctx.full, self.t);
        self.advance(ctx);
        self.t
    }
}
