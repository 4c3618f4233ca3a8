//! `numhealth pull`: fetch call records from the platform's List Calls API page by page,
//! load each page like one file of an ingest run, and report what landed.

use crate::cli::PullArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result};
use crate::pull::{
    API_KEY_ENV, ApiKey, Client, ClientConfig, PullRequest, base_url_from_env, run_pull,
};
use crate::readers::{InputFormat, ReaderOptions};
use crate::report::{progress, run_summary};
use crate::store::LoadSettings;
use crate::store::ingest::Loading;
use crate::time::now_ms;

pub fn run(ctx: &Ctx, args: PullArgs) -> Result<u8> {
    // A missing key is the environment's refusal, not a command-line mistake: exit 1.
    let key = ApiKey::from_env(API_KEY_ENV).ok_or_else(|| {
        Error::Other(format!(
            "{API_KEY_ENV} is not set: export the platform's API key to pull (it is never printed or stored)"
        ))
    })?;
    let started = now_ms();
    let until = match args.until.as_deref() {
        Some(s) => ctx.moment("--until", s)?,
        None => started,
    };
    let since = args
        .since
        .as_deref()
        .map(|s| ctx.moment("--since", s))
        .transpose()?;
    let opts =
        ReaderOptions::from_settings(&ctx.settings.ingest, InputFormat::Json, None, started)?;
    let client = Client::new(ClientConfig::new(
        &base_url_from_env(),
        key,
        &ctx.settings.pull,
    ));
    let (_lock, mut store) = ctx.open_writer()?;
    let settings = LoadSettings::from_settings(&ctx.settings, started);
    let progress = progress::for_terminal(ctx.progress);
    let say = |m: &str| ctx.say(m);
    // How far the pull got (the window, each page, retries) only for a person at a
    // terminal: under cron a pull prints nothing but errors and the rejects notice.
    let tell_progress = |m: &str| {
        if ctx.progress {
            ctx.say(m);
        }
    };
    let loading = Loading {
        opts: &opts,
        settings: &settings,
        progress: &*progress,
        on_failure: &run_summary::input_failed,
        say: &say,
    };
    let request = PullRequest {
        since,
        until,
        started,
        config: &ctx.settings.pull,
    };
    let outcome = run_pull(&mut store, &client, &request, loading, &tell_progress)?;
    run_summary::print(
        &outcome,
        args.format.into(),
        ctx.quiet,
        ctx.db_flag.as_deref(),
        &say,
    )?;
    Ok(outcome.exit_code())
}
