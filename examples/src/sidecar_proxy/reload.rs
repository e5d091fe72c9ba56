//! Config reload: the directory is read on an interval; when its files changed, the new
//! configuration is compiled aside and swapped in whole. A configuration that fails to load
//! is reported and ignored; the proxy keeps the last good one.

use std::path::PathBuf;
use std::sync::Arc;

use super::Shared;
use super::config::{Compiled, read_dir};

/// Watches the config directory until the task is aborted. `last` is what the running
/// configuration was compiled from.
pub(crate) async fn watch(shared: Arc<Shared>, mut last: Vec<(PathBuf, String)>) {
    let mut tick = tokio::time::interval(shared.options.reload_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let dir = shared.options.config_dir.clone();
        let Ok(read) = tokio::task::spawn_blocking(move || read_dir(&dir)).await else { continue };
        let files = match read {
            Ok(files) => files,
            Err(e) => {
                eprintln!("sidecar-proxy: {e}; keeping the current configuration");
                continue;
            }
        };
        if files == last {
            continue;
        }
        let generation = shared.current().generation + 1;
        let compiled = {
            let files = files.clone();
            tokio::task::spawn_blocking(move || Compiled::compile(&files, generation)).await
        };
        match compiled {
            Ok(Ok(next)) => shared.swap(next),
            Ok(Err(e)) => eprintln!("sidecar-proxy: {e}; keeping the current configuration"),
            Err(e) => eprintln!("sidecar-proxy: compiling the configuration failed: {e}"),
        }
        last = files;
    }
}
