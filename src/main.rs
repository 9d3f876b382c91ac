//! The `wf-offboard` binary: parse, build a runtime, run, map to an exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = wf_offboard::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return wf_offboard::exit::Exit::Fatal.into();
        }
    };
    runtime.block_on(wf_offboard::run(cli)).into()
}
